/* SPDX-License-Identifier: MIT */
/*
 * apartment_test.c — blec from threads in every COM apartment, and the apartment helpers
 * (bleak's assert_mta / allow_sta / uninitialize_sta). Windows only; runs under Wine in the
 * cross build.
 *
 * What must hold:
 *  - blec works from any thread: uninitialised, MTA, STA without a message loop (bleak hangs
 *    there) and STA with one (a GUI thread), blocking calls and queued delivery included;
 *  - blec_apartment_get reports the apartment; assert_mta passes on uninitialised and MTA
 *    threads and fails with BLEC_ERR_STATE on STA threads until allow_sta, which holds for
 *    the whole process; uninitialize_sta undoes an STA initialisation and nothing else.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <objbase.h>
#include <process.h>

#include "blec/blec.h"
#include "blec/blec_winrt.h"
#include "blec/blec_world.h"
#include "test.h"

#define BLEC_TEST(name) BLEC_TEST_IMPL(name);
#include "list.h"
#undef BLEC_TEST

#define PERIPHERAL "C0:FF:EE:00:0A:01"

/* ---- helpers -------------------------------------------------------------------- */

/* Runs fn(arg) on a new thread and waits for it; a thread that does not finish means blec
 * hung on it. */
static void run_on_thread(unsigned(__stdcall *fn)(void *), void *arg) {
  HANDLE h = (HANDLE)_beginthreadex(NULL, 0, fn, arg, 0, NULL);
  ASSERT(h != NULL);
  DWORD w = WaitForSingleObject(h, (DWORD)blec_test_ms(30000));
  if (w != WAIT_OBJECT_0) blec_test_fail_(__FILE__, __LINE__, "the test thread did not finish: blec hung");
  CloseHandle(h);
}

/* A context on a virtual world with one peripheral advertising every 20 ms. */
static blec_ctx *new_ctx(blec_delivery delivery) {
  blec_world *world;
  blec_world_peripheral *p;
  ASSERT_OK(blec_world_new(&world));
  ASSERT_OK(blec_world_add_peripheral(world, PERIPHERAL, BLEC_ADDRESS_RANDOM, &p));
  ASSERT_OK(blec_world_peripheral_set_name(p, "Apartment", false));
  ASSERT_OK(blec_world_peripheral_set_adv_interval(p, 20));
  ASSERT_OK(blec_world_peripheral_set_advertising(p, true));
  blec_ctx_options *opts = blec_ctx_options_new();
  ASSERT(opts != NULL);
  ASSERT_OK(blec_ctx_options_set_backend(opts, "virtual"));
  ASSERT_OK(blec_ctx_options_set_world(opts, world));
  ASSERT_OK(blec_ctx_options_set_delivery(opts, delivery));
  blec_ctx *ctx = NULL;
  blec_error err;
  ASSERT_OK(blec_ctx_new(opts, &ctx, &err));
  blec_ctx_options_free(opts);
  blec_world_unref(world);
  return ctx;
}

/* A blocking scan that must complete on whatever thread calls it. */
static void find_peripheral(blec_ctx *ctx) {
  blec_device *dev = NULL;
  blec_error err;
  ASSERT_OK(blec_find_device_by_address(ctx, PERIPHERAL, blec_test_ms(5000), &dev, &err));
  ASSERT_STR_EQ(blec_device_address(dev), PERIPHERAL);
  blec_device_unref(dev);
}

static void use_blec(void) {
  blec_ctx *ctx = new_ctx(BLEC_DELIVERY_THREAD);
  find_peripheral(ctx);
  ASSERT_OK(blec_ctx_free(ctx));
}

static blec_apartment apartment(void) {
  blec_apartment a = (blec_apartment)-1;
  ASSERT_OK(blec_apartment_get(&a));
  return a;
}

static void assert_sta_refused(void) {
  blec_error err;
  ASSERT_STATUS(blec_apartment_assert_mta(&err), BLEC_ERR_STATE);
  ASSERT_EQ_INT(err.status, BLEC_ERR_STATE);
  ASSERT(err.message[0] != '\0');
  ASSERT_STATUS(blec_apartment_assert_mta(NULL), BLEC_ERR_STATE);
}

static bool is_sta(blec_apartment a) { return a == BLEC_APARTMENT_STA || a == BLEC_APARTMENT_MAIN_STA; }

/* ---- uninitialised thread ---------------------------------------------------------- */

BLEC_TEST_IMPL(uninitialised_thread) {
  ASSERT_EQ_INT(apartment(), BLEC_APARTMENT_NONE);
  blec_error err;
  /* Not initialised is fine: WinRT would initialise it; blec never needs it. */
  ASSERT_OK(blec_apartment_assert_mta(&err));
  ASSERT_EQ_INT(err.status, BLEC_OK);
  /* Nothing to undo. */
  ASSERT_OK(blec_apartment_uninitialize_sta());
  ASSERT_EQ_INT(apartment(), BLEC_APARTMENT_NONE);
  ASSERT_STATUS(blec_apartment_get(NULL), BLEC_ERR_INVALID_ARG);
  use_blec();
  /* blec did its work on its own threads: this thread is still untouched. */
  ASSERT_EQ_INT(apartment(), BLEC_APARTMENT_NONE);
}

/* ---- MTA thread -------------------------------------------------------------------- */

static unsigned __stdcall mta_main(void *arg) {
  (void)arg;
  ASSERT(SUCCEEDED(CoInitializeEx(NULL, COINIT_MULTITHREADED)));
  ASSERT_EQ_INT(apartment(), BLEC_APARTMENT_MTA);
  blec_error err;
  ASSERT_OK(blec_apartment_assert_mta(&err));
  /* uninitialize_sta leaves an MTA alone. */
  ASSERT_OK(blec_apartment_uninitialize_sta());
  ASSERT_EQ_INT(apartment(), BLEC_APARTMENT_MTA);
  use_blec();
  ASSERT_EQ_INT(apartment(), BLEC_APARTMENT_MTA);
  CoUninitialize();
  ASSERT_EQ_INT(apartment(), BLEC_APARTMENT_NONE);
  return 0;
}

BLEC_TEST_IMPL(mta_thread) { run_on_thread(mta_main, NULL); }

/* ---- implicit MTA: an uninitialised thread of a process that has an MTA ------------- */

typedef struct mta_holder {
  HANDLE ready, release;
} mta_holder;

static unsigned __stdcall hold_mta_main(void *arg) {
  mta_holder *h = arg;
  ASSERT(SUCCEEDED(CoInitializeEx(NULL, COINIT_MULTITHREADED)));
  SetEvent(h->ready);
  WaitForSingleObject(h->release, INFINITE);
  CoUninitialize();
  return 0;
}

BLEC_TEST_IMPL(implicit_mta) {
  mta_holder h = {CreateEventW(NULL, TRUE, FALSE, NULL), CreateEventW(NULL, TRUE, FALSE, NULL)};
  ASSERT(h.ready && h.release);
  HANDLE t = (HANDLE)_beginthreadex(NULL, 0, hold_mta_main, &h, 0, NULL);
  ASSERT(t != NULL);
  ASSERT_EQ_INT(WaitForSingleObject(h.ready, (DWORD)blec_test_ms(10000)), WAIT_OBJECT_0);
  /* Windows reports the implicit MTA (APTTYPE_MTA, qualifier IMPLICIT_MTA); either way the
   * thread passes the check and is not touched by uninitialize_sta. */
  blec_apartment a = apartment();
  printf("uninitialised thread with an MTA in the process: apartment %d\n", (int)a);
  ASSERT(a == BLEC_APARTMENT_MTA || a == BLEC_APARTMENT_NONE);
  ASSERT_OK(blec_apartment_assert_mta(NULL));
  ASSERT_OK(blec_apartment_uninitialize_sta());
  ASSERT_EQ_INT(apartment(), a);
  use_blec();
  SetEvent(h.release);
  ASSERT_EQ_INT(WaitForSingleObject(t, (DWORD)blec_test_ms(10000)), WAIT_OBJECT_0);
  CloseHandle(t);
  CloseHandle(h.ready);
  CloseHandle(h.release);
}

/* ---- STA thread without a message loop ---------------------------------------------- */

static bool match_peripheral(const blec_device *dev, const blec_adv *adv, void *user) {
  (void)adv, (void)user;
  return strcmp(blec_device_address(dev), PERIPHERAL) == 0;
}

static void on_found(blec_op *op, void *user) {
  (void)op;
  InterlockedIncrement((volatile LONG *)user);
}

static unsigned __stdcall sta_no_loop_main(void *arg) {
  (void)arg;
  ASSERT(SUCCEEDED(CoInitializeEx(NULL, COINIT_APARTMENTTHREADED)));
  ASSERT(is_sta(apartment()));
  assert_sta_refused();
  /* Where bleak hangs for ever: a blocking call from an STA thread that pumps no
   * messages. blec completes it (its WinRT work is on its own MTA threads). */
  use_blec();
  /* Asynchronous form too: the completion runs on blec's dispatch thread; this thread
   * only waits on the operation. */
  blec_ctx *ctx = new_ctx(BLEC_DELIVERY_THREAD);
  blec_op *op = NULL;
  volatile LONG completions = 0;
  ASSERT_OK(blec_find_device_async(ctx, NULL, match_peripheral, NULL, blec_test_ms(5000), on_found,
                                   (void *)&completions, &op));
  ASSERT_OK(blec_op_wait(op, blec_test_ms(10000)));
  ASSERT(blec_op_device(op) != NULL);
  ASSERT_STR_EQ(blec_device_address(blec_op_device(op)), PERIPHERAL);
  blec_op_free(op);
  ULONGLONG deadline = GetTickCount64() + (ULONGLONG)blec_test_ms(5000);
  while (InterlockedCompareExchange(&completions, 0, 0) == 0 && GetTickCount64() < deadline) Sleep(1);
  ASSERT_EQ_INT(completions, 1);
  ASSERT_OK(blec_ctx_free(ctx));
  ASSERT(is_sta(apartment()));
  CoUninitialize();
  return 0;
}

BLEC_TEST_IMPL(sta_thread_no_loop) { run_on_thread(sta_no_loop_main, NULL); }

/* ---- STA thread with a message loop (a GUI thread) ----------------------------------- */

typedef struct loop_state {
  DWORD thread_id;
  blec_ctx *blocking_ctx; /* thread delivery, for blocking calls from a message handler */
  LONG detections;
  int detections_off_thread;
  int timer_ticks;
  int handler_apartment_status;
  blec_apartment handler_apartment;
  int handler_assert_status;
} loop_state;

static loop_state *the_loop; /* TIMERPROC has no user pointer */

static void CALLBACK on_timer(HWND hwnd, UINT msg, UINT_PTR id, DWORD time) {
  (void)hwnd, (void)msg, (void)id, (void)time;
  loop_state *st = the_loop;
  if (st->timer_ticks++ > 0) return;
  /* Inside a message handler of a GUI thread: query, check, and a blocking blec call. */
  st->handler_apartment_status = blec_apartment_get(&st->handler_apartment);
  st->handler_assert_status = blec_apartment_assert_mta(NULL);
  find_peripheral(st->blocking_ctx);
}

static void on_detection(blec_scanner *scanner, blec_device *dev, const blec_adv *adv, void *user) {
  (void)scanner, (void)dev, (void)adv;
  loop_state *st = user;
  if (GetCurrentThreadId() != st->thread_id) st->detections_off_thread++;
  st->detections++;
}

static unsigned __stdcall sta_loop_main(void *arg) {
  loop_state *st = arg;
  st->thread_id = GetCurrentThreadId();
  ASSERT(SUCCEEDED(CoInitializeEx(NULL, COINIT_APARTMENTTHREADED)));
  ASSERT(is_sta(apartment()));

  /* Queued delivery: the GUI loop waits on blec's HANDLE next to its messages. */
  blec_ctx *ctx = new_ctx(BLEC_DELIVERY_QUEUED);
  st->blocking_ctx = new_ctx(BLEC_DELIVERY_THREAD);
  HANDLE wake = (HANDLE)blec_ctx_wait_handle(ctx);
  ASSERT(wake != NULL && wake != INVALID_HANDLE_VALUE);
  blec_scanner *scanner = NULL;
  ASSERT_OK(blec_scanner_new(ctx, NULL, on_detection, st, &scanner));
  blec_error err;
  ASSERT_OK(blec_scanner_start(scanner, &err));

  the_loop = st;
  UINT_PTR timer = SetTimer(NULL, 0, 10, on_timer);
  ASSERT(timer != 0);
  ULONGLONG deadline = GetTickCount64() + (ULONGLONG)blec_test_ms(15000);
  int dispatched = 0;
  while (st->detections < 3 || st->timer_ticks < 1) {
    if (GetTickCount64() > deadline)
      blec_test_fail_(__FILE__, __LINE__, "message loop: %ld detections, %d timer ticks before the deadline",
                      st->detections, st->timer_ticks);
    DWORD r = MsgWaitForMultipleObjectsEx(1, &wake, 100, QS_ALLINPUT, MWMO_INPUTAVAILABLE);
    if (r == WAIT_OBJECT_0) {
      int n = blec_ctx_dispatch(ctx, 0);
      ASSERT(n >= 0);
      dispatched += n;
    } else if (r == WAIT_OBJECT_0 + 1) {
      MSG msg;
      while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) {
        TranslateMessage(&msg);
        DispatchMessageW(&msg);
      }
    }
  }
  KillTimer(NULL, timer);
  the_loop = NULL;
  printf("message loop: %ld detections in %d dispatched callbacks, %d timer ticks\n", st->detections,
         dispatched, st->timer_ticks);
  ASSERT_EQ_INT(st->detections_off_thread, 0);
  ASSERT_OK(st->handler_apartment_status);
  ASSERT(is_sta(st->handler_apartment));
  ASSERT_STATUS(st->handler_assert_status, BLEC_ERR_STATE);

  ASSERT_OK(blec_scanner_stop(scanner));
  blec_scanner_free(scanner);
  ASSERT_OK(blec_ctx_free(ctx));
  ASSERT_OK(blec_ctx_free(st->blocking_ctx));
  CoUninitialize();
  return 0;
}

BLEC_TEST_IMPL(sta_thread_message_loop) {
  loop_state st;
  memset(&st, 0, sizeof st);
  run_on_thread(sta_loop_main, &st);
}

/* ---- an implicit STA initialisation, undone ------------------------------------------- */

BLEC_TEST_IMPL(uninitialize_implicit_sta) {
  /* What some packages do behind the program's back on its main thread. */
  ASSERT(SUCCEEDED(CoInitialize(NULL)));
  ASSERT(is_sta(apartment()));
  assert_sta_refused();
  ASSERT_OK(blec_apartment_uninitialize_sta());
  ASSERT_EQ_INT(apartment(), BLEC_APARTMENT_NONE);
  ASSERT_OK(blec_apartment_assert_mta(NULL));
  /* Once undone, nothing more to undo. */
  ASSERT_OK(blec_apartment_uninitialize_sta());
  ASSERT_EQ_INT(apartment(), BLEC_APARTMENT_NONE);
  use_blec();
}

/* ---- allow_sta: for the whole process, from then on (keep this test last) ----------- */

static unsigned __stdcall sta_allowed_main(void *arg) {
  (void)arg;
  ASSERT(SUCCEEDED(CoInitializeEx(NULL, COINIT_APARTMENTTHREADED)));
  ASSERT(is_sta(apartment()));
  ASSERT_OK(blec_apartment_assert_mta(NULL));
  CoUninitialize();
  return 0;
}

static unsigned __stdcall sta_allow_main(void *arg) {
  (void)arg;
  ASSERT(SUCCEEDED(CoInitializeEx(NULL, COINIT_APARTMENTTHREADED)));
  assert_sta_refused();
  ASSERT_OK(blec_apartment_allow_sta());
  blec_error err;
  ASSERT_OK(blec_apartment_assert_mta(&err));
  ASSERT_EQ_INT(err.status, BLEC_OK);
  /* allow_sta changes the check, not the apartment. */
  ASSERT(is_sta(apartment()));
  use_blec();
  CoUninitialize();
  return 0;
}

BLEC_TEST_IMPL(allow_sta) {
  run_on_thread(sta_allow_main, NULL);
  run_on_thread(sta_allowed_main, NULL);
}
