/* SPDX-License-Identifier: MIT */
/*
 * winrt_link.c — taking a link apart. The link's objects (GATT table, session, device,
 * event registrations) are taken out of the client in one step (under its lock), then
 * closed on the pool in the order bleak uses: handlers removed, services closed, the
 * session let go of (MaintainConnection false) and closed, the device closed last, after
 * a bounded wait for Windows to drop the link. Close() may hang (bleak #1359): the caller
 * waits for the closer within a budget and otherwise leaves it to finish by itself.
 *
 * Whether the link went down is read on the device's ConnectionStatus once this program
 * let go of everything, its own device object included (read through a fresh object that
 * holds nothing): the status is shared with other programs, so a link another program holds
 * stays up (bleak #1759), and Windows may keep a released link a few seconds; the caller
 * says only that.
 */
#include <stdlib.h>
#include <string.h>

#include "backends/winrt/winrt_backend.h"

struct wr_remains {
  IBluetoothLEDevice *dev;
  IGattSession *session;
  void *status_handler, *session_handler, *mtu_handler;
  EventRegistrationToken status_token, session_token, mtu_token;
  wr_table gatt;
};

wr_remains *wr_link_take(wr_ctx *w, wr_client *wc) {
  (void)w;
  blec__mutex_lock(&wc->lock);
  bool any = wc->dev || wc->session || wc->gatt.n || wc->status_handler || wc->session_handler || wc->mtu_handler;
  wr_remains *r = any ? calloc(1, sizeof *r) : NULL;
  if (r) {
    r->dev = wc->dev;
    r->session = wc->session;
    r->status_handler = wc->status_handler;
    r->session_handler = wc->session_handler;
    r->mtu_handler = wc->mtu_handler;
    r->status_token = wc->status_token;
    r->session_token = wc->session_token;
    r->mtu_token = wc->mtu_token;
    r->gatt = wc->gatt;
    wc->dev = NULL;
    wc->session = NULL;
    wc->status_handler = wc->session_handler = wc->mtu_handler = NULL;
    memset(&wc->gatt, 0, sizeof wc->gatt);
  }
  /* Late notes of this link (stamped with the old generation) are ignored from now on. */
  wc->gen++;
  wc->state = WR_LINK_NONE;
  wc->session_status = GattSessionStatus_Closed;
  wc->session_seen_active = false;
  blec__mutex_unlock(&wc->lock);
  return r;
}

void wr_table_release(wr_ctx *w, wr_table *t) {
  for (size_t i = 0; i < t->n; i++) {
    wr_attr *a = &t->v[i];
    if (a->value_handler) {
      wr_hr(w, IGattCharacteristic_remove_ValueChanged((IGattCharacteristic *)a->obj, a->value_token),
            "GattCharacteristic.remove_ValueChanged");
      wr_delegate_release(a->value_handler);
    }
    if (a->kind == WR_ATTR_SERVICE) wr_close(w, a->obj, "GattDeviceService.Close");
    IUnknown_Release(a->obj);
  }
  free(t->v);
  memset(t, 0, sizeof *t);
}

/* What a status question got: an answer, or none within its time. */
typedef enum wr_status_answer {
  WR_STATUS_NO_ANSWER,
  WR_STATUS_CONNECTED,
  WR_STATUS_DISCONNECTED,
} wr_status_answer;

/*
 * Whether Windows still shows the device Connected, read on a device object of its own
 * made for the question: once this program has closed its device object, nothing of ours
 * holds the link (bleak's disconnect disposes the BluetoothLEDevice before it waits for the
 * link to end). The fresh object asks for no service, so it holds nothing either. A lookup
 * that fails or does not end within its time is no answer (not "disconnected").
 */
static wr_status_answer link_status(wr_ctx *w, UINT64 address, int budget_ms) {
  IBluetoothLEDeviceStatics *st = NULL;
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice *op = NULL;
  IBluetoothLEDevice *dev = NULL;
  HRESULT hr = wr_statics(w, WR_DEVICE_STATICS, (void **)&st);
  if (SUCCEEDED(hr)) {
    hr = wr_hr(w, IBluetoothLEDeviceStatics_FromBluetoothAddressAsync(st, address, &op),
               "BluetoothLEDevice.FromBluetoothAddressAsync (status after release)");
    IBluetoothLEDeviceStatics_Release(st);
  }
  if (SUCCEEDED(hr)) hr = wr_await_device(w, NULL, budget_ms, op, &dev);
  if (FAILED(hr)) return WR_STATUS_NO_ANSWER;
  if (!dev) return WR_STATUS_DISCONNECTED; /* Windows knows no such device: no link either */
  BluetoothConnectionStatus cs = BluetoothConnectionStatus_Disconnected;
  hr = wr_hr(w, IBluetoothLEDevice_get_ConnectionStatus(dev, &cs), "BluetoothLEDevice.ConnectionStatus");
  /* Released, not closed: Close() may block (bleak #1359), and this object has nothing to end. */
  IBluetoothLEDevice_Release(dev);
  if (FAILED(hr)) return WR_STATUS_NO_ANSWER;
  return cs == BluetoothConnectionStatus_Connected ? WR_STATUS_CONNECTED : WR_STATUS_DISCONNECTED;
}

/*
 * After every object of ours is gone: polls until Windows shows the link down or ms pass;
 * true when its last answer was Connected. A question asked near the end gets only the time
 * left, and one that gets no answer in it says nothing: it used to count as "down", so a
 * link another program holds was reported gone whenever the last lookup was slow.
 */
static bool link_still_up(wr_ctx *w, UINT64 address, int ms) {
  uint64_t deadline = GetTickCount64() + (uint64_t)ms;
  wr_status_answer last = WR_STATUS_NO_ANSWER;
  for (;;) {
    uint64_t now = GetTickCount64();
    int left = now >= deadline ? 1 : (int)(deadline - now);
    wr_status_answer a = link_status(w, address, left);
    if (a == WR_STATUS_DISCONNECTED) return false;
    if (a != WR_STATUS_NO_ANSWER) last = a;
    if (GetTickCount64() >= deadline) return last == WR_STATUS_CONNECTED;
    Sleep(WR_LINK_DOWN_POLL_MS);
  }
}

typedef struct close_args {
  wr_ctx *w;
  wr_remains *r;
  int link_down_ms;
  int status;
} close_args;

static void close_fn(void *arg) {
  close_args *a = arg;
  wr_ctx *w = a->w;
  wr_remains *r = a->r;
  if (r->session && r->session_handler)
    wr_hr(w, IGattSession_remove_SessionStatusChanged(r->session, r->session_token), "GattSession.remove_SessionStatusChanged");
  if (r->session && r->mtu_handler)
    wr_hr(w, IGattSession_remove_MaxPduSizeChanged(r->session, r->mtu_token), "GattSession.remove_MaxPduSizeChanged");
  if (r->dev && r->status_handler)
    wr_hr(w, IBluetoothLEDevice_remove_ConnectionStatusChanged(r->dev, r->status_token),
          "BluetoothLEDevice.remove_ConnectionStatusChanged");
  wr_table_release(w, &r->gatt);
  if (r->session) {
    wr_hr(w, IGattSession_put_MaintainConnection(r->session, FALSE), "GattSession.MaintainConnection = false");
    wr_close(w, r->session, "GattSession.Close");
    IGattSession_Release(r->session);
  }
  a->status = BLEC_OK;
  if (r->dev) {
    /* Our device object goes first: Windows may keep a link for it. */
    UINT64 address = 0;
    bool ask = a->link_down_ms > 0 &&
               SUCCEEDED(wr_hr(w, IBluetoothLEDevice_get_BluetoothAddress(r->dev, &address), "BluetoothLEDevice.BluetoothAddress"));
    wr_close(w, r->dev, "BluetoothLEDevice.Close");
    IBluetoothLEDevice_Release(r->dev);
    r->dev = NULL;
    if (ask && link_still_up(w, address, a->link_down_ms)) a->status = BLEC_ERR_BUSY;
  }
  wr_delegate_release(r->status_handler);
  wr_delegate_release(r->session_handler);
  wr_delegate_release(r->mtu_handler);
  free(r);
  wr_log(w, BLEC_LOG_DEBUG, "link objects closed%s",
         a->status == BLEC_ERR_BUSY ? "; Windows still reports the device connected" : "");
}

static void close_detached(void *arg) {
  close_fn(arg);
  free(arg);
}

int wr_link_close(wr_ctx *w, wr_remains *r, int link_down_ms, int budget_ms) {
  if (!r) return BLEC_OK;
  close_args a = {w, r, link_down_ms, BLEC_OK};
  if (budget_ms <= 0) {
    close_args *copy = malloc(sizeof *copy);
    if (copy) {
      *copy = a;
      if (wr_post(w->pool, close_detached, copy) == BLEC_OK) return BLEC_OK;
      free(copy);
    }
    close_fn(&a); /* no way to hand it over: close here */
    return a.status;
  }
  int s = wr_call(w->pool, close_fn, &a, sizeof a, budget_ms + link_down_ms);
  if (s == BLEC_ERR_TIMEOUT) {
    wr_log(w, BLEC_LOG_WARNING,
           "closing the link's objects took more than %d ms (a Close() that hangs, bleak #1359): left to Windows",
           budget_ms + link_down_ms);
    return BLEC_ERR_TIMEOUT;
  }
  return s == BLEC_OK ? a.status : s;
}
