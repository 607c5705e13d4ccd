/* SPDX-License-Identifier: MIT */
/*
 * t_gatt.c — connecting through GattSession, discovery with each cache mode, the OS
 * cache answering without the link, reads, writes, descriptors, notifications,
 * indications, ATT errors.
 */
#include "gatt_helpers.h"

static const char gatt_world[] =
    "blec-world 1\n"
    "peripheral AA:00:00:00:00:01 public\n"
    "  name \"Lab\"\n"
    "  adv-interval 20ms\n"
    "  mtu 185\n"
    "  service aa00\n"
    "    characteristic aa01 read,write text:\"hello\"\n"
    "      descriptor 2901 read text:\"lab value\"\n"
    "    characteristic aa02 write-without-response\n"
    "    characteristic aa03 read,notify,indicate u8:0\n"
    "      stream 30ms counter\n"
    "    characteristic aa04 indicate u8:0\n"
    "      stream 30ms counter\n"
    "    characteristic aa05 write,write-without-response\n"
    "      echo aa06\n"
    "    characteristic aa06 notify\n"
    "  service 1812\n"
    "    characteristic 2a4d read u8:1\n"
    "peripheral AA:00:00:00:00:02 public\n"
    "  name \"Flaky\"\n"
    "  adv-interval 20ms\n"
    "  fault att-error 0x0e on-request 2\n"
    "  service ff00\n"
    "    characteristic ff01 read,write text:\"ok\"\n";

#define LAB "AA:00:00:00:00:01"

typedef struct conn {
  IBluetoothLEDevice *dev;
  IGattSession *session;
  conn_rec rec;
  t_delegate *watch;
  EventRegistrationToken tok;
  ServiceView *services;
  IGattDeviceService *svc;
  CharView *chars;
} conn;

static volatile LONG g_pdu_changes;
static HRESULT on_pdu(void *ctx, void *sender, uintptr_t args) {
  (void)ctx;
  (void)args;
  CHECK(sender != NULL);
  InterlockedIncrement(&g_pdu_changes);
  return S_OK;
}

/* Connects as blec's backend does: session with MaintainConnection, wait for Connected. */
static void open_conn(conn *c, const char *address, UINT16 service16) {
  memset(c, 0, sizeof *c);
  c->dev = g_device(address);
  CHECK(c->dev != NULL);
  g_conn_rec_init(&c->rec);
  c->watch = g_watch_connection(c->dev, &c->rec, &c->tok);
  c->session = g_session(c->dev);
  boolean can = FALSE;
  CHECK_HR(IGattSession_get_CanMaintainConnection(c->session, &can));
  CHECK(can);
  CHECK_HR(IGattSession_put_MaintainConnection(c->session, TRUE));
  CHECK(T_WAIT_UNTIL(c->rec.connected >= 1, 5000));
  CHECK_EQ_INT(g_status(c->dev), BluetoothConnectionStatus_Connected);
  CHECK(c->rec.thread != GetCurrentThreadId());
  GattSessionStatus ss;
  CHECK_HR(IGattSession_get_SessionStatus(c->session, &ss));
  CHECK_EQ_INT(ss, GattSessionStatus_Active);
  GattCommunicationStatus st;
  c->services = g_services(c->dev, BluetoothCacheMode_Uncached, &st);
  CHECK_EQ_INT(st, GattCommunicationStatus_Success);
  c->svc = g_find_service(c->services, service16);
  CHECK(c->svc != NULL);
  c->chars = g_chars(c->svc, BluetoothCacheMode_Uncached, &st);
  CHECK_EQ_INT(st, GattCommunicationStatus_Success);
}

/* Disconnects as bleak does: close services, session and device, wait for Disconnected. */
static void close_conn(conn *c) {
  if (c->chars) c->chars->lpVtbl->Release(c->chars);
  if (c->svc) IGattDeviceService_Release(c->svc);
  g_close_services(c->services);
  g_close(c->session);
  IGattSession_Release(c->session);
  CHECK(T_WAIT_UNTIL(g_status(c->dev) == BluetoothConnectionStatus_Disconnected, 5000));
  CHECK(T_WAIT_UNTIL(c->rec.disconnected >= 1, 2000));
  CHECK_HR(IBluetoothLEDevice_remove_ConnectionStatusChanged(c->dev, c->tok));
  t_delegate_release(c->watch);
  g_close(c->dev);
  IBluetoothLEDevice_Release(c->dev);
}

void test_gatt_connect_and_cache_modes(void) {
  t_world(gatt_world);
  conn c;
  /* MaxPduSize starts at 23, then the OS's MTU exchange raises it. */
  g_pdu_changes = 0;
  IBluetoothLEDevice *dev = g_device(LAB);
  IGattSession *s = g_session(dev);
  UINT16 pdu = 0;
  CHECK_HR(IGattSession_get_MaxPduSize(s, &pdu));
  CHECK_EQ_INT(pdu, 23);
  t_delegate *pd = t_delegate_new(
      &IID___FITypedEventHandler_2_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattSession_IInspectable,
      on_pdu, NULL);
  EventRegistrationToken ptok;
  CHECK_HR(IGattSession_add_MaxPduSizeChanged(s, t_delegate_itf(pd), &ptok));

  open_conn(&c, LAB, 0xAA00);
  CHECK(T_WAIT_UNTIL(g_pdu_changes >= 1, 3000));
  CHECK_HR(IGattSession_get_MaxPduSize(s, &pdu));
  CHECK_EQ_INT(pdu, 185);
  CHECK_EQ_INT(sim.blec_winrt_sim_peripheral_connected(LAB), 1);
  /* Generic Access (the world adds it for the name), aa00, HID. */
  CHECK_EQ_INT(g_view_size(c.services), 3);
  CHECK_EQ_INT(g_view_size(c.chars), 6);
  /* The OS keeps HID to itself. */
  IGattDeviceService *hid = g_find_service(c.services, 0x1812);
  CHECK(hid != NULL);
  GattCommunicationStatus st;
  CharView *hc = g_chars(hid, BluetoothCacheMode_Uncached, &st);
  CHECK_EQ_INT(st, GattCommunicationStatus_AccessDenied);
  CHECK_EQ_INT(g_view_size(hc), 0);
  hc->lpVtbl->Release(hc);
  IGattDeviceService_Release(hid);
  /* Descriptors, sync and async. */
  IGattCharacteristic *ch = g_find_char(c.chars, 0xAA03);
  IGattCharacteristic3 *c3 = NULL;
  CHECK_HR(IGattCharacteristic_QueryInterface(ch, &IID_IGattCharacteristic3, (void **)&c3));
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattDescriptorsResult *dop = NULL;
  CHECK_HR(IGattCharacteristic3_GetDescriptorsWithCacheModeAsync(c3, BluetoothCacheMode_Uncached, &dop));
  IGattDescriptorsResult *dr = t_await_obj(dop, H_DESCS, 5000);
  CHECK_HR(IGattDescriptorsResult_get_Status(dr, &st));
  CHECK_EQ_INT(st, GattCommunicationStatus_Success);
  DescView *dv = NULL;
  CHECK_HR(IGattDescriptorsResult_get_Descriptors(dr, &dv));
  CHECK_EQ_INT(g_view_size(dv), 1); /* the CCCD */
  dv->lpVtbl->Release(dv);
  IGattDescriptorsResult_Release(dr);
  IGattCharacteristic3_Release(c3);
  GattCharacteristicProperties props;
  CHECK_HR(IGattCharacteristic_get_CharacteristicProperties(ch, &props));
  CHECK_EQ_INT(props, GattCharacteristicProperties_Read | GattCharacteristicProperties_Notify |
                          GattCharacteristicProperties_Indicate);
  IGattCharacteristic2 *c2 = NULL;
  CHECK_HR(IGattCharacteristic_QueryInterface(ch, &IID_IGattCharacteristic2, (void **)&c2));
  IGattDeviceService *parent = NULL;
  CHECK_HR(IGattCharacteristic2_get_Service(c2, &parent));
  CHECK(parent == c.svc);
  IGattDeviceService_Release(parent);
  IGattCharacteristic2_Release(c2);
  IGattCharacteristic_Release(ch);

  CHECK_HR(IGattSession_remove_MaxPduSizeChanged(s, ptok));
  t_delegate_release(pd);
  g_close(s);
  IGattSession_Release(s);
  close_conn(&c);
  CHECK_EQ_INT(sim.blec_winrt_sim_peripheral_connected(LAB), 0);

  /* The cache outlives the link: Cached discovery answers without connecting... */
  ServiceView *cached = g_services(dev, BluetoothCacheMode_Cached, &st);
  CHECK_EQ_INT(st, GattCommunicationStatus_Success);
  CHECK_EQ_INT(g_view_size(cached), 3);
  IGattDeviceService *svc = g_find_service(cached, 0xAA00);
  CharView *cc = g_chars(svc, BluetoothCacheMode_Cached, &st);
  CHECK_EQ_INT(st, GattCommunicationStatus_Success);
  CHECK_EQ_INT(g_view_size(cc), 6);
  CHECK_EQ_INT(g_status(dev), BluetoothConnectionStatus_Disconnected);
  CHECK_EQ_INT(sim.blec_winrt_sim_peripheral_connected(LAB), 0);
  /* ...even with the radio off, while Uncached cannot reach the device. */
  CHECK_EQ_INT(sim.blec_winrt_sim_set_radio(0), 0);
  ServiceView *again = g_services(dev, BluetoothCacheMode_Cached, &st);
  CHECK_EQ_INT(st, GattCommunicationStatus_Success);
  g_close_services(again);
  ServiceView *none = g_services(dev, BluetoothCacheMode_Uncached, &st);
  CHECK_EQ_INT(st, GattCommunicationStatus_Unreachable);
  CHECK_EQ_INT(g_view_size(none), 0);
  g_close_services(none);
  CHECK_EQ_INT(sim.blec_winrt_sim_set_radio(1), 0);
  /* The deprecated synchronous views read the cache too. */
  CharView *sync = NULL;
  IGattDeviceService2 *s2 = NULL;
  CHECK_HR(IGattDeviceService_QueryInterface(svc, &IID_IGattDeviceService2, (void **)&s2));
  CHECK_HR(IGattDeviceService2_GetAllCharacteristics(s2, &sync));
  CHECK_EQ_INT(g_view_size(sync), 6);
  sync->lpVtbl->Release(sync);
  IGattDeviceService2_Release(s2);
  cc->lpVtbl->Release(cc);
  g_close(svc);
  IGattDeviceService_Release(svc);
  g_close_services(cached);
  /* A forgotten cache makes Cached go to the device (connecting). */
  sim.blec_winrt_sim_forget_cache();
  ServiceView *fresh = g_services(dev, BluetoothCacheMode_Cached, &st);
  CHECK_EQ_INT(st, GattCommunicationStatus_Success);
  CHECK_EQ_INT(g_view_size(fresh), 3);
  g_close_services(fresh);
  CHECK(T_WAIT_UNTIL(g_status(dev) == BluetoothConnectionStatus_Disconnected, 3000));
  IBluetoothLEDevice_Release(dev);
  t_check_no_live_objects();
}

void test_gatt_read_write(void) {
  t_world(gatt_world);
  conn c;
  open_conn(&c, LAB, 0xAA00);
  IGattCharacteristic *rw = g_find_char(c.chars, 0xAA01);
  BYTE buf[64];
  UINT32 n = 0;
  int64_t before = sim.blec_winrt_sim_peripheral_request_count(LAB);
  CHECK_EQ_INT(g_read(rw, BluetoothCacheMode_Uncached, buf, sizeof buf, &n, NULL), GattCommunicationStatus_Success);
  CHECK(n == 5 && memcmp(buf, "hello", 5) == 0);
  CHECK_EQ_INT(sim.blec_winrt_sim_peripheral_request_count(LAB), before + 1);
  /* ReadValueAsync() reads the OS cache: no request. */
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattReadResult *rop = NULL;
  CHECK_HR(IGattCharacteristic_ReadValueAsync(rw, &rop));
  IGattReadResult *rr = t_await_obj(rop, H_READ, 5000);
  IBuffer *v = NULL;
  CHECK_HR(IGattReadResult_get_Value(rr, &v));
  CHECK_EQ_INT(t_buffer_bytes(v, buf, sizeof buf), 5);
  IBuffer_Release(v);
  IGattReadResult_Release(rr);
  CHECK_EQ_INT(sim.blec_winrt_sim_peripheral_request_count(LAB), before + 1);
  /* Write with response, read back from the device. */
  CHECK_EQ_INT(g_write(rw, "world", 5, GattWriteOption_WriteWithResponse), GattCommunicationStatus_Success);
  CHECK_EQ_INT(g_read(rw, BluetoothCacheMode_Uncached, buf, sizeof buf, &n, NULL), GattCommunicationStatus_Success);
  CHECK(n == 5 && memcmp(buf, "world", 5) == 0);
  /* WriteValueAsync (default: with response) and WriteValueWithResultAsync. */
  IBuffer *b = t_buffer("again", 5);
  __FIAsyncOperation_1_GattCommunicationStatus *sop = NULL;
  CHECK_HR(IGattCharacteristic_WriteValueAsync(rw, b, &sop));
  CHECK_EQ_INT(t_await_i32(sop, H_STATUS, 5000), GattCommunicationStatus_Success);
  IGattCharacteristic3 *c3 = NULL;
  CHECK_HR(IGattCharacteristic_QueryInterface(rw, &IID_IGattCharacteristic3, (void **)&c3));
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattWriteResult *wop = NULL;
  CHECK_HR(IGattCharacteristic3_WriteValueWithResultAsync(c3, b, &wop));
  IGattWriteResult *wr = t_await_obj(wop, H_WRITE, 5000);
  GattCommunicationStatus st;
  CHECK_HR(IGattWriteResult_get_Status(wr, &st));
  CHECK_EQ_INT(st, GattCommunicationStatus_Success);
  __FIReference_1_BYTE *pe = (void *)1;
  CHECK_HR(IGattWriteResult_get_ProtocolError(wr, &pe));
  CHECK(pe == NULL);
  IGattWriteResult_Release(wr);
  IGattCharacteristic3_Release(c3);
  IBuffer_Release(b);
  /* Without response: completes as soon as sent; not a counted request. */
  IGattCharacteristic *wwr = g_find_char(c.chars, 0xAA02);
  int64_t r0 = sim.blec_winrt_sim_peripheral_request_count(LAB);
  CHECK_EQ_INT(g_write(wwr, "\x01\x02", 2, GattWriteOption_WriteWithoutResponse), GattCommunicationStatus_Success);
  CHECK_EQ_INT(sim.blec_winrt_sim_peripheral_request_count(LAB), r0);
  IGattCharacteristic_Release(wwr);
  /* Descriptor 0x2901: read, then the characteristic's UserDescription from the cache; not writable. */
  DescView *dv = NULL;
  CHECK_HR(IGattCharacteristic_GetDescriptors(rw, t_uuid16(0x2901), &dv));
  CHECK_EQ_INT(g_view_size(dv), 1);
  IGattDescriptor *ud = NULL;
  CHECK_HR(dv->lpVtbl->GetAt(dv, 0, &ud));
  dv->lpVtbl->Release(dv);
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattReadResult *dop = NULL;
  CHECK_HR(IGattDescriptor_ReadValueWithCacheModeAsync(ud, BluetoothCacheMode_Uncached, &dop));
  rr = t_await_obj(dop, H_READ, 5000);
  CHECK_HR(IGattReadResult_get_Value(rr, &v));
  CHECK_EQ_INT(t_buffer_bytes(v, buf, sizeof buf), 9);
  CHECK(memcmp(buf, "lab value", 9) == 0);
  IBuffer_Release(v);
  IGattReadResult_Release(rr);
  HSTRING desc = NULL;
  CHECK_HR(IGattCharacteristic_get_UserDescription(rw, &desc));
  CHECK(t_hs_eq(desc, L"lab value"));
  WindowsDeleteString(desc);
  b = t_buffer("x", 1);
  CHECK_HR(IGattDescriptor_WriteValueAsync(ud, b, &sop));
  CHECK_EQ_INT(t_await_i32(sop, H_STATUS, 5000), GattCommunicationStatus_ProtocolError);
  IGattDescriptor2 *ud2 = NULL;
  CHECK_HR(IGattDescriptor_QueryInterface(ud, &IID_IGattDescriptor2, (void **)&ud2));
  CHECK_HR(IGattDescriptor2_WriteValueWithResultAsync(ud2, b, &wop));
  wr = t_await_obj(wop, H_WRITE, 5000);
  CHECK_HR(IGattWriteResult_get_ProtocolError(wr, &pe));
  CHECK(pe != NULL);
  BYTE code = 0;
  CHECK_HR(__FIReference_1_BYTE_get_Value(pe, &code));
  CHECK_EQ_INT(code, 0x03); /* Write Not Permitted */
  __FIReference_1_BYTE_Release(pe);
  IGattWriteResult_Release(wr);
  IGattDescriptor2_Release(ud2);
  IBuffer_Release(b);
  IGattDescriptor_Release(ud);
  IGattCharacteristic_Release(rw);
  close_conn(&c);
  t_check_no_live_objects();
}

void test_gatt_notify_and_indicate(void) {
  t_world(gatt_world);
  conn c;
  open_conn(&c, LAB, 0xAA00);
  /* Notifications. */
  IGattCharacteristic *n = g_find_char(c.chars, 0xAA03);
  value_rec nr;
  g_value_rec_init(&nr);
  EventRegistrationToken ntok;
  t_delegate *nd = g_watch_values(n, &nr, &ntok);
  t_world_wait(100); /* three stream intervals */
  CHECK_EQ_INT(g_value_count(&nr), 0); /* nothing before the CCCD is written */
  CHECK_EQ_INT(g_cccd(n, GattClientCharacteristicConfigurationDescriptorValue_Notify), GattCommunicationStatus_Success);
  CHECK(T_WAIT_UNTIL(g_value_count(&nr) >= 3, 3000));
  CHECK(nr.thread != GetCurrentThreadId());
  CHECK_EQ_INT(nr.max_concurrent, 1);
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattReadClientCharacteristicConfigurationDescriptorResult *cop = NULL;
  CHECK_HR(IGattCharacteristic_ReadClientCharacteristicConfigurationDescriptorAsync(n, &cop));
  IGattReadClientCharacteristicConfigurationDescriptorResult *cr = t_await_obj(cop, H_CCCD, 5000);
  GattClientCharacteristicConfigurationDescriptorValue cv;
  CHECK_HR(IGattReadClientCharacteristicConfigurationDescriptorResult_get_ClientCharacteristicConfigurationDescriptor(cr, &cv));
  CHECK_EQ_INT(cv, GattClientCharacteristicConfigurationDescriptorValue_Notify);
  IGattReadClientCharacteristicConfigurationDescriptorResult_Release(cr);
  /* The OS cache follows notifications. */
  BYTE buf[8];
  UINT32 len = 0;
  CHECK_EQ_INT(g_read(n, BluetoothCacheMode_Cached, buf, sizeof buf, &len, NULL), GattCommunicationStatus_Success);
  CHECK_EQ_INT(len, 1);
  /* Unsubscribe: the stream stops. */
  CHECK_EQ_INT(g_cccd(n, GattClientCharacteristicConfigurationDescriptorValue_None), GattCommunicationStatus_Success);
  sim.blec_winrt_sim_drain(); /* values sent before the CCCD write are delivered */
  int stopped_at = g_value_count(&nr);
  t_world_wait(200);
  CHECK_EQ_INT(g_value_count(&nr), stopped_at);
  /* Indications. */
  IGattCharacteristic *ind = g_find_char(c.chars, 0xAA04);
  value_rec ir;
  g_value_rec_init(&ir);
  EventRegistrationToken itok;
  t_delegate *id = g_watch_values(ind, &ir, &itok);
  CHECK_EQ_HR(IGattCharacteristic_WriteClientCharacteristicConfigurationDescriptorAsync(
                  ind, GattClientCharacteristicConfigurationDescriptorValue_Notify, (void *)&cop),
              E_INVALIDARG); /* no notify property */
  IGattCharacteristic3 *i3 = NULL;
  CHECK_HR(IGattCharacteristic_QueryInterface(ind, &IID_IGattCharacteristic3, (void **)&i3));
  __FIAsyncOperation_1_Windows__CDevices__CBluetooth__CGenericAttributeProfile__CGattWriteResult *wop = NULL;
  CHECK_HR(IGattCharacteristic3_WriteClientCharacteristicConfigurationDescriptorWithResultAsync(
      i3, GattClientCharacteristicConfigurationDescriptorValue_Indicate, &wop));
  IGattWriteResult *wr = t_await_obj(wop, H_WRITE, 5000);
  GattCommunicationStatus st;
  CHECK_HR(IGattWriteResult_get_Status(wr, &st));
  CHECK_EQ_INT(st, GattCommunicationStatus_Success);
  IGattWriteResult_Release(wr);
  IGattCharacteristic3_Release(i3);
  CHECK(T_WAIT_UNTIL(g_value_count(&ir) >= 3, 3000));
  CHECK_EQ_INT(g_cccd(ind, GattClientCharacteristicConfigurationDescriptorValue_None), GattCommunicationStatus_Success);
  /* Echo: what is written to aa05 comes back as a notification of aa06. */
  IGattCharacteristic *rx = g_find_char(c.chars, 0xAA05), *tx = g_find_char(c.chars, 0xAA06);
  value_rec er;
  g_value_rec_init(&er);
  EventRegistrationToken etok;
  t_delegate *ed = g_watch_values(tx, &er, &etok);
  CHECK_EQ_INT(g_cccd(tx, GattClientCharacteristicConfigurationDescriptorValue_Notify), GattCommunicationStatus_Success);
  CHECK_EQ_INT(g_write(rx, "ping", 4, GattWriteOption_WriteWithoutResponse), GattCommunicationStatus_Success);
  CHECK(T_WAIT_UNTIL(g_value_count(&er) == 1, 3000));
  CHECK(er.last_len == 4 && memcmp(er.last, "ping", 4) == 0);

  CHECK_HR(IGattCharacteristic_remove_ValueChanged(n, ntok));
  CHECK_HR(IGattCharacteristic_remove_ValueChanged(ind, itok));
  CHECK_HR(IGattCharacteristic_remove_ValueChanged(tx, etok));
  t_delegate_release(nd);
  t_delegate_release(id);
  t_delegate_release(ed);
  IGattCharacteristic_Release(n);
  IGattCharacteristic_Release(ind);
  IGattCharacteristic_Release(rx);
  IGattCharacteristic_Release(tx);
  close_conn(&c);
  t_check_no_live_objects();
}

void test_gatt_att_error(void) {
  t_world(gatt_world);
  conn c;
  open_conn(&c, "AA:00:00:00:00:02", 0xFF00);
  IGattCharacteristic *ch = g_find_char(c.chars, 0xFF01);
  BYTE buf[8];
  UINT32 len;
  int pe = 0;
  CHECK_EQ_INT(g_read(ch, BluetoothCacheMode_Uncached, buf, sizeof buf, &len, &pe), GattCommunicationStatus_Success);
  CHECK_EQ_INT(pe, -1);
  /* The second request answers ATT 0x0E (Unlikely Error). */
  CHECK_EQ_INT(g_read(ch, BluetoothCacheMode_Uncached, buf, sizeof buf, &len, &pe),
               GattCommunicationStatus_ProtocolError);
  CHECK_EQ_INT(pe, 0x0E);
  CHECK_EQ_INT(g_read(ch, BluetoothCacheMode_Uncached, buf, sizeof buf, &len, &pe), GattCommunicationStatus_Success);
  /* GattProtocolError's constants. */
  IGattProtocolErrorStatics *pes = NULL;
  CHECK_HR(t_factory(L"Windows.Devices.Bluetooth.GenericAttributeProfile.GattProtocolError",
                     &IID_IGattProtocolErrorStatics, (void **)&pes));
  BYTE v = 0;
  CHECK_HR(IGattProtocolErrorStatics_get_UnlikelyError(pes, &v));
  CHECK_EQ_INT(v, 0x0E);
  CHECK_HR(IGattProtocolErrorStatics_get_InsufficientAuthentication(pes, &v));
  CHECK_EQ_INT(v, 0x05);
  IGattProtocolErrorStatics_Release(pes);
  IGattCharacteristic_Release(ch);
  close_conn(&c);
  t_check_no_live_objects();
}
