/* SPDX-License-Identifier: MIT */
/*
 * sim_test.h — helpers of the simulated stack's tests: activation through Wine's
 * RoGetActivationFactory only, the DLL's control API (taken from the module Wine loaded),
 * delegates written in C, waiting for asynchronous operations, and checks.
 */
#ifndef SIM_TEST_H
#define SIM_TEST_H

#define COBJMACROS
#define WIDL_using_Windows_Foundation
#define WIDL_using_Windows_Foundation_Collections
#define WIDL_using_Windows_Storage_Streams
#define WIDL_using_Windows_Devices_Bluetooth
#define WIDL_using_Windows_Devices_Bluetooth_Advertisement
#define WIDL_using_Windows_Devices_Bluetooth_GenericAttributeProfile
#define WIDL_using_Windows_Devices_Enumeration
#define WIDL_using_Windows_Devices_Radios

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <objbase.h>
#include <winstring.h>
#include <roapi.h>
#include <activation.h>

#include "blec_winrt_bluetooth.h"
#include "blec_winrt_sim.h"

#ifndef E_BOUNDS
#define E_BOUNDS ((HRESULT)0x8000000BL)
#endif
#ifndef E_ILLEGAL_METHOD_CALL
#define E_ILLEGAL_METHOD_CALL ((HRESULT)0x8000000EL)
#endif
#ifndef E_ILLEGAL_STATE_CHANGE
#define E_ILLEGAL_STATE_CHANGE ((HRESULT)0x8000000DL)
#endif
#ifndef E_ILLEGAL_DELEGATE_ASSIGNMENT
#define E_ILLEGAL_DELEGATE_ASSIGNMENT ((HRESULT)0x80000018L)
#endif

/* ---- checks --------------------------------------------------------------------------- */

void t_fail(const char *file, int line, const char *what);
#define CHECK(c)                                                                           \
  do {                                                                                     \
    if (!(c)) t_fail(__FILE__, __LINE__, #c);                                              \
  } while (0)
#define CHECK_HR(e)                                                                        \
  do {                                                                                     \
    HRESULT chk_hr_ = (e);                                                                 \
    if (FAILED(chk_hr_)) {                                                                 \
      char chk_m_[256];                                                                    \
      snprintf(chk_m_, sizeof chk_m_, "%s failed: 0x%08lx", #e, (unsigned long)chk_hr_);    \
      t_fail(__FILE__, __LINE__, chk_m_);                                                  \
    }                                                                                      \
  } while (0)
#define CHECK_EQ_HR(e, want)                                                               \
  do {                                                                                     \
    HRESULT chk_hr_ = (e);                                                                 \
    if (chk_hr_ != (HRESULT)(want)) {                                                      \
      char chk_m_[256];                                                                    \
      snprintf(chk_m_, sizeof chk_m_, "%s: 0x%08lx, expected 0x%08lx", #e,                  \
               (unsigned long)chk_hr_, (unsigned long)(HRESULT)(want));                    \
      t_fail(__FILE__, __LINE__, chk_m_);                                                  \
    }                                                                                      \
  } while (0)
#define CHECK_EQ_INT(a, b)                                                                 \
  do {                                                                                     \
    long long chk_a_ = (long long)(a), chk_b_ = (long long)(b);                            \
    if (chk_a_ != chk_b_) {                                                                \
      char chk_m_[256];                                                                    \
      snprintf(chk_m_, sizeof chk_m_, "%s == %s: %lld != %lld", #a, #b, chk_a_, chk_b_);    \
      t_fail(__FILE__, __LINE__, chk_m_);                                                  \
    }                                                                                      \
  } while (0)
void t_log(const char *fmt, ...);

/* ---- activation and the control API ------------------------------------------------------ */

/** RoGetActivationFactory(class, iid). */
HRESULT t_factory(const WCHAR *cls, const IID *iid, void **out);
/** RoActivateInstance(class) then QueryInterface(iid). */
HRESULT t_activate(const WCHAR *cls, const IID *iid, void **out);

/** The control API of the module Wine loaded (activates Buffer's factory first). */
typedef struct t_sim_api {
#define T_SIM_FIELD_(ret, name, params) ret(*name) params;
  BLEC_WINRT_SIM_FUNCS(T_SIM_FIELD_)
#undef T_SIM_FIELD_
} t_sim_api;
extern t_sim_api sim;
void t_load_sim(void);
/** Replaces the world with world text (fails the test on a parse error). */
void t_world(const char *text);
/**
 * Waits until the world's clock passed `ms` from now (the world must be running: a scan or
 * a link started it): the window in which something must not have happened has passed.
 */
void t_world_wait(DWORD ms);
/** Waits until the stack has no live object; fails after t_ms(5000). */
void t_check_no_live_objects(void);

/* ---- delegates -------------------------------------------------------------------------- */

/**
 * A delegate in C answering QueryInterface for `iid` (and IUnknown, IAgileObject):
 * Invoke(sender_or_op, args_or_status) calls fn. For completion handlers the second
 * argument is the AsyncStatus (use T_STATUS()).
 */
typedef HRESULT (*t_invoke_fn)(void *ctx, void *a, uintptr_t b);
typedef struct t_delegate t_delegate;
t_delegate *t_delegate_new(const IID *iid, t_invoke_fn fn, void *ctx);
/** The delegate as the interface pointer to pass (no new reference). */
void *t_delegate_itf(t_delegate *d);
void t_delegate_release(t_delegate *d);
#define T_STATUS(b) ((AsyncStatus)(int)(b))

/**
 * Waits for an IAsyncOperation<T> (any T: they share the vtable) by setting a completion
 * handler that signals an event. Returns its AsyncStatus; fails the test on a timeout
 * (timeout_ms, scaled by t_ms).
 * Also records the thread the handler ran on (t_last_completion_thread).
 */
AsyncStatus t_await(void *op, const IID *handler_iid, DWORD timeout_ms);
extern DWORD t_last_completion_thread;
/** The result pointer of a completed IAsyncOperation<T*> (GetResults), op released. */
void *t_await_obj(void *op, const IID *handler_iid, DWORD timeout_ms);
/** IAsyncOperation<enum> result, op released. */
INT32 t_await_i32(void *op, const IID *handler_iid, DWORD timeout_ms);

/* ---- small helpers ------------------------------------------------------------------------- */

HSTRING t_hs(const WCHAR *s);
bool t_hs_eq(HSTRING h, const WCHAR *s);
/** A new Buffer (through the activated factory) holding bytes. */
IBuffer *t_buffer(const void *data, UINT32 len);
/** Copies the bytes of an IBuffer into out (max cap); returns the length. */
UINT32 t_buffer_bytes(IBuffer *b, BYTE *out, UINT32 cap);
/** 16-bit Bluetooth UUID as a GUID. */
GUID t_uuid16(UINT16 v);
/** "AA:BB:CC:DD:EE:FF" as a 48-bit address. */
UINT64 t_addr(const char *s);
/** Milliseconds scaled by $BLEC_TEST_TIMEOUT_MULTIPLIER (Wine is slower than Windows). */
DWORD t_ms(DWORD ms);
/**
 * Waits until cond (an expression) holds, checking it every millisecond, for at most ms
 * (scaled by t_ms); true when it came. A GNU statement expression (mingw's gcc builds the
 * tests; no public header uses it).
 */
#define T_WAIT_UNTIL(cond, ms)                                                             \
  ({                                                                                       \
    ULONGLONG t_w_end_ = GetTickCount64() + t_ms(ms);                                      \
    while (!(cond) && GetTickCount64() < t_w_end_) Sleep(1);                               \
    (cond) ? true : false;                                                                 \
  })

/* Boxed values made by the test itself (a client brings its own IReference objects). */
__FIReference_1_INT16 *t_box_i16(INT16 v);
__FIReference_1_TimeSpan *t_box_timespan(INT64 ticks);

/* Every test case (cases.h). */
#define SIM_TEST(name) void test_##name(void);
#include "cases.h"
#undef SIM_TEST

#endif /* SIM_TEST_H */
