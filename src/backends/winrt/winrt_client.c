/* SPDX-License-Identifier: MIT */
/*
 * winrt_client.c — connecting: BluetoothLEDevice from its address (with the address type
 * when given), a GattSession with MaintainConnection (Windows has no connect call: the
 * session makes the system connect), ConnectionStatusChanged for the disconnected
 * callback, the session's MaxPduSize and MaxPduSizeChanged for the MTU. Connect completes
 * once the device is Connected and the OS's MTU exchange has been seen (or a short wait
 * passed), so the first writes already have the real MTU. Disconnect closes every GATT
 * object, the session and the device, and waits for the Disconnected status.
 */
#include <stdlib.h>
#include <string.h>

#include "backends/winrt/winrt_backend.h"

#define WR_MTU_WAIT_MS 1000        /* how long connect waits for the OS's MTU exchange */
#define WR_DISCONNECT_WAIT_MS 5000 /* how long disconnect waits for the Disconnected status */

wr_client *wr_client_of(blec_client *c, bool create) {
  wr_client *wc = blec__client_backend_priv(c);
  if (wc || !create) return wc;
  wc = calloc(1, sizeof *wc);
  if (!wc) return NULL;
  wc->changed_ev = CreateEventW(NULL, FALSE, FALSE, NULL);
  if (!wc->changed_ev) {
    free(wc);
    return NULL;
  }
  wc->refs = 1; /* the client's */
  wc->c = c;
  wc->w = wr_ctx_of(blec__client_ctx(c));
  InitializeCriticalSection(&wc->lock);
  blec__client_set_backend_priv(c, wc);
  return wc;
}

void wr_client_unref(wr_client *wc) {
  if (InterlockedDecrement(&wc->refs) != 0) return;
  DeleteCriticalSection(&wc->lock);
  CloseHandle(wc->changed_ev);
  free(wc);
}

static void unref_cb(void *p) { wr_client_unref(p); }

/* The blec client while it lives (referenced), or NULL. */
static blec_client *client_get(wr_client *wc) {
  EnterCriticalSection(&wc->lock);
  blec_client *c = wc->c ? blec__client_ref(wc->c) : NULL;
  LeaveCriticalSection(&wc->lock);
  return c;
}

/* Takes every WinRT object of the link out of wc and closes them; waits for Disconnected. */
static void teardown(void *arg) {
  wr_client *wc = arg;
  EnterCriticalSection(&wc->lock);
  IBluetoothLEDevice *dev = wc->dev;
  IGattSession *session = wc->session;
  void *sh = wc->status_handler, *mh = wc->mtu_handler;
  EventRegistrationToken st = wc->status_token, mt = wc->mtu_token;
  wr_attr *attrs = wc->attrs;
  size_t n = wc->nattrs;
  wc->dev = NULL;
  wc->session = NULL;
  wc->status_handler = wc->mtu_handler = NULL;
  wc->attrs = NULL;
  wc->nattrs = 0;
  wc->up = false;
  LeaveCriticalSection(&wc->lock);
  wr_gatt_release(attrs, n);
  if (session) {
    if (mh) IGattSession_remove_MaxPduSizeChanged(session, mt);
    IGattSession_put_MaintainConnection(session, FALSE);
    wr_close(session);
    IGattSession_Release(session);
  }
  wr_delegate_release(mh);
  if (dev) {
    BluetoothConnectionStatus cs = BluetoothConnectionStatus_Connected;
    DWORD t0 = GetTickCount();
    while (SUCCEEDED(IBluetoothLEDevice_get_ConnectionStatus(dev, &cs)) && cs == BluetoothConnectionStatus_Connected &&
           GetTickCount() - t0 < WR_DISCONNECT_WAIT_MS)
      WaitForSingleObject(wc->changed_ev, 20);
    if (sh) IBluetoothLEDevice_remove_ConnectionStatusChanged(dev, st);
    wr_close(dev);
    IBluetoothLEDevice_Release(dev);
  }
  wr_delegate_release(sh);
}

static void teardown_async(void *arg) {
  teardown(arg);
  wr_client_unref(arg);
}

static HRESULT on_status(void *ctx, void *sender, void *args) {
  (void)args;
  wr_client *wc = ctx;
  BluetoothConnectionStatus cs = BluetoothConnectionStatus_Connected;
  if (sender) IBluetoothLEDevice_get_ConnectionStatus((IBluetoothLEDevice *)sender, &cs);
  SetEvent(wc->changed_ev);
  if (cs != BluetoothConnectionStatus_Disconnected) return S_OK;
  EnterCriticalSection(&wc->lock);
  bool report = wc->up && !wc->closing && wc->c;
  blec_client *c = NULL;
  if (report) {
    wc->up = false;
    c = blec__client_ref(wc->c);
  }
  LeaveCriticalSection(&wc->lock);
  if (!report) return S_OK;
  /* Close the session so the OS does not reconnect behind the program's back. */
  InterlockedIncrement(&wc->refs);
  if (wr_post(wc->w->pool, teardown_async, wc) != BLEC_OK) wr_client_unref(wc);
  /* Windows does not say why the link went down. */
  blec__client_disconnected(c, BLEC_DISCONNECT_REMOTE);
  blec__client_unref(c);
  return S_OK;
}

static HRESULT on_mtu(void *ctx, void *sender, void *args) {
  (void)args;
  wr_client *wc = ctx;
  SetEvent(wc->changed_ev);
  UINT16 pdu = 0;
  if (!sender || FAILED(IGattSession_get_MaxPduSize((IGattSession *)sender, &pdu))) return S_OK;
  EnterCriticalSection(&wc->lock);
  bool up = wc->up;
  LeaveCriticalSection(&wc->lock);
  if (!up) return S_OK; /* connect reports it */
  blec_client *c = client_get(wc);
  if (c) {
    blec__client_mtu(c, pdu);
    blec__client_unref(c);
  }
  return S_OK;
}

static bool cancelled(wr_job *job) { return WaitForSingleObject(job->cancel_ev, 0) == WAIT_OBJECT_0; }

static void connect_run(wr_job *job) {
  wr_client *wc = job->wc;
  blec_client *c = blec__op_client(job->op);
  UINT64 addr = 0;
  if (wr_address_parse(blec__client_address(c), &addr) != BLEC_OK) {
    blec__op_complete(job->op, BLEC_ERR_INVALID_ARG);
    return;
  }
  IBluetoothLEDeviceStatics *st = NULL;
  HRESULT hr = wr_factory(L"Windows.Devices.Bluetooth.BluetoothLEDevice", &IID_IBluetoothLEDeviceStatics, (void **)&st);
  if (FAILED(hr)) {
    wr_complete_hr(job->op, hr, "BluetoothLEDevice statics");
    return;
  }
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice *op = NULL;
  blec_address_type at = blec__client_address_type(c);
  if (at == BLEC_ADDRESS_UNSPECIFIED) {
    hr = IBluetoothLEDeviceStatics_FromBluetoothAddressAsync(st, addr, &op);
  } else {
    IBluetoothLEDeviceStatics2 *st2 = NULL;
    hr = IBluetoothLEDeviceStatics_QueryInterface(st, &IID_IBluetoothLEDeviceStatics2, (void **)&st2);
    if (SUCCEEDED(hr)) {
      hr = IBluetoothLEDeviceStatics2_FromBluetoothAddressWithBluetoothAddressTypeAsync(
          st2, addr, at == BLEC_ADDRESS_RANDOM ? BluetoothAddressType_Random : BluetoothAddressType_Public, &op);
      IBluetoothLEDeviceStatics2_Release(st2);
    }
  }
  IBluetoothLEDeviceStatics_Release(st);
  IBluetoothLEDevice *dev = NULL;
  if (SUCCEEDED(hr))
    hr = wr_await_ptr(job, op, &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CBluetoothLEDevice,
                      (void **)&dev);
  if (FAILED(hr)) {
    wr_complete_hr(job->op, hr, "BluetoothLEDevice.FromBluetoothAddressAsync");
    return;
  }
  if (!dev) {
    blec_error e;
    blec__error_set(&e, BLEC_ERR_DEVICE_NOT_FOUND, "Windows knows no Bluetooth LE device %s", blec__client_address(c));
    blec__op_complete_error(job->op, &e);
    return;
  }
  HSTRING hname = NULL;
  if (SUCCEEDED(IBluetoothLEDevice_get_Name(dev, &hname))) {
    char *name = wr_hstring_utf8(hname);
    if (name) blec__client_set_name(c, name);
    free(name);
    WindowsDeleteString(hname);
  }
  EnterCriticalSection(&wc->lock);
  wc->dev = dev;
  wc->closing = false;
  wc->up = false;
  LeaveCriticalSection(&wc->lock);
  ResetEvent(wc->changed_ev);

  InterlockedIncrement(&wc->refs);
  void *sh = wr_delegate_new(&IID___FITypedEventHandler_2_Windows__CDevices__CBluetooth__CBluetoothLEDevice_IInspectable,
                             on_status, wc, unref_cb);
  hr = sh ? IBluetoothLEDevice_add_ConnectionStatusChanged(dev, sh, &wc->status_token) : E_OUTOFMEMORY;
  if (SUCCEEDED(hr)) {
    wc->status_handler = sh;
  } else {
    wr_delegate_release(sh);
  }
  IBluetoothLEDevice4 *d4 = NULL;
  IBluetoothDeviceId *id = NULL;
  IGattSessionStatics *ss = NULL;
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSession *sop = NULL;
  IGattSession *session = NULL;
  if (SUCCEEDED(hr)) hr = IBluetoothLEDevice_QueryInterface(dev, &IID_IBluetoothLEDevice4, (void **)&d4);
  if (SUCCEEDED(hr)) hr = IBluetoothLEDevice4_get_BluetoothDeviceId(d4, &id);
  if (SUCCEEDED(hr))
    hr = wr_factory(L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattSession", &IID_IGattSessionStatics,
                    (void **)&ss);
  if (SUCCEEDED(hr)) hr = IGattSessionStatics_FromDeviceIdAsync(ss, id, &sop);
  if (SUCCEEDED(hr))
    hr = wr_await_ptr(
        job, sop, &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSession,
        (void **)&session);
  if (ss) IGattSessionStatics_Release(ss);
  if (id) IBluetoothDeviceId_Release(id);
  if (d4) IBluetoothLEDevice4_Release(d4);
  if (SUCCEEDED(hr) && !session) hr = HRESULT_FROM_WIN32(ERROR_DEVICE_NOT_CONNECTED);
  if (SUCCEEDED(hr)) {
    EnterCriticalSection(&wc->lock);
    wc->session = session;
    LeaveCriticalSection(&wc->lock);
    InterlockedIncrement(&wc->refs);
    void *mh = wr_delegate_new(&IID___FITypedEventHandler_2_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSession_IInspectable,
                               on_mtu, wc, unref_cb);
    hr = mh ? IGattSession_add_MaxPduSizeChanged(session, mh, &wc->mtu_token) : E_OUTOFMEMORY;
    if (SUCCEEDED(hr))
      wc->mtu_handler = mh;
    else
      wr_delegate_release(mh);
  }
  if (SUCCEEDED(hr)) hr = IGattSession_put_MaintainConnection(session, TRUE);
  if (FAILED(hr)) {
    teardown(wc);
    wr_complete_hr(job->op, hr, "opening a GATT session");
    return;
  }
  /* The system connects because of the session: wait for Connected, then for the MTU. */
  BluetoothConnectionStatus cs = BluetoothConnectionStatus_Disconnected;
  while (SUCCEEDED(hr = IBluetoothLEDevice_get_ConnectionStatus(dev, &cs)) && cs != BluetoothConnectionStatus_Connected) {
    HANDLE hs[2] = {wc->changed_ev, job->cancel_ev};
    if (WaitForMultipleObjects(2, hs, FALSE, 50) == WAIT_OBJECT_0 + 1) break;
  }
  if (FAILED(hr) || cs != BluetoothConnectionStatus_Connected || cancelled(job)) {
    teardown(wc);
    if (FAILED(hr))
      wr_complete_hr(job->op, hr, "BluetoothLEDevice.ConnectionStatus");
    else
      blec__op_complete(job->op, BLEC_ERR_CANCELLED);
    return;
  }
  UINT16 pdu = 23;
  DWORD t0 = GetTickCount();
  while (SUCCEEDED(IGattSession_get_MaxPduSize(session, &pdu)) && pdu <= 23 && GetTickCount() - t0 < WR_MTU_WAIT_MS &&
         !cancelled(job))
    WaitForSingleObject(wc->changed_ev, 20);
  EnterCriticalSection(&wc->lock);
  wc->up = true;
  LeaveCriticalSection(&wc->lock);
  blec__client_mtu(c, pdu);
  if (!blec__op_complete(job->op, BLEC_OK)) { /* cancelled or timed out meanwhile */
    EnterCriticalSection(&wc->lock);
    wc->closing = true;
    LeaveCriticalSection(&wc->lock);
    teardown(wc);
  }
}

int wr_connect(blec_client *c, blec_op *op) {
  wr_client *wc = wr_client_of(c, true);
  if (!wc) return BLEC_ERR_NO_MEMORY;
  InterlockedIncrement(&wc->refs);
  wr_job args;
  memset(&args, 0, sizeof args);
  args.wc = wc;
  int r = wr_job_start(blec__client_ctx(c), op, connect_run, &args);
  if (r != BLEC_OK) wr_client_unref(wc);
  return r;
}

static void disconnect_run(wr_job *job) {
  wr_client *wc = job->wc;
  EnterCriticalSection(&wc->lock);
  wc->closing = true;
  LeaveCriticalSection(&wc->lock);
  teardown(wc);
  blec__op_complete(job->op, BLEC_OK);
}

int wr_disconnect(blec_client *c, blec_op *op) {
  wr_client *wc = wr_client_of(c, false);
  if (!wc) {
    blec__op_complete(op, BLEC_OK); /* never connected: closed is closed */
    return BLEC_OK;
  }
  InterlockedIncrement(&wc->refs);
  wr_job args;
  memset(&args, 0, sizeof args);
  args.wc = wc;
  int r = wr_job_start(blec__client_ctx(c), op, disconnect_run, &args);
  if (r != BLEC_OK) wr_client_unref(wc);
  return r;
}

void wr_client_free(blec_client *c) {
  wr_client *wc = wr_client_of(c, false);
  if (!wc) return;
  EnterCriticalSection(&wc->lock);
  wc->c = NULL;
  wc->closing = true;
  LeaveCriticalSection(&wc->lock);
  wr_call(wc->w->pool, teardown, wc);
  /* The pointer stays with the client for jobs still holding wc; the last reference frees it. */
  wr_client_unref(wc);
}
