/* SPDX-License-Identifier: MIT */
/*
 * t_pairing.c — DeviceInformation pairing: custom pairing with PairingRequested, Accept,
 * deferrals, the result statuses, plain PairAsync, UnpairAsync (which disconnects),
 * protection levels, a device the OS had paired before, CreateFromIdAsync; PairAsync without
 * a level with and without a minimum (blec_winrt_sim_set_pairing_default_no_minimum).
 */
#include "gatt_helpers.h"

static const char pairing_world[] =
    "blec-world 1\n"
    "peripheral AA:00:00:00:00:03 public\n"
    "  name \"Secure\"\n"
    "  adv-interval 20ms\n"
    "  pairing encryption\n"
    "  service bb00\n"
    "    characteristic bb01 read text:\"secret\"\n"
    "      security encryption\n"
    "    characteristic bb02 read text:\"open\"\n"
    "peripheral AA:00:00:00:00:04 public\n"
    "  name \"Known\"\n"
    "  adv-interval 20ms\n"
    "  bonded encryption\n"
    "  service bb00\n"
    "    characteristic bb01 read text:\"known\"\n"
    "      security encryption\n";

typedef struct pairing_ctx {
  int mode; /* 0 reject, 1 accept, 2 accept later through a deferral, 3 accept with PIN */
  volatile LONG calls;
  DevicePairingKinds kind;
  bool had_info;
  IDeferral *deferral;
  IDevicePairingRequestedEventArgs *args;
} pairing_ctx;

static DWORD WINAPI complete_later(void *p) {
  pairing_ctx *c = p;
  Sleep(100);
  CHECK_HR(IDevicePairingRequestedEventArgs_Accept(c->args));
  CHECK_HR(IDeferral_Complete(c->deferral));
  IDeferral_Release(c->deferral);
  IDevicePairingRequestedEventArgs_Release(c->args);
  return 0;
}

static HRESULT on_pairing_requested(void *ctx, void *sender, uintptr_t b) {
  pairing_ctx *c = ctx;
  CHECK(sender != NULL);
  IDevicePairingRequestedEventArgs *a = (IDevicePairingRequestedEventArgs *)b;
  CHECK_HR(IDevicePairingRequestedEventArgs_get_PairingKind(a, &c->kind));
  IDeviceInformation *di = NULL;
  CHECK_HR(IDevicePairingRequestedEventArgs_get_DeviceInformation(a, &di));
  c->had_info = di != NULL;
  if (di) IDeviceInformation_Release(di);
  if (c->mode == 1) {
    CHECK_HR(IDevicePairingRequestedEventArgs_Accept(a));
  } else if (c->mode == 2) {
    CHECK_HR(IDevicePairingRequestedEventArgs_GetDeferral(a, &c->deferral));
    IDevicePairingRequestedEventArgs_AddRef(a);
    c->args = a;
    HANDLE h = CreateThread(NULL, 0, complete_later, c, 0, NULL);
    CHECK(h != NULL);
    CloseHandle(h);
  } else if (c->mode == 3) {
    HSTRING pin = t_hs(L"654321");
    CHECK_HR(IDevicePairingRequestedEventArgs_AcceptWithPin(a, pin));
    WindowsDeleteString(pin);
  }
  InterlockedIncrement(&c->calls);
  return S_OK;
}

static IDevicePairingResult *custom_pair(IDeviceInformationCustomPairing *cu, DevicePairingKinds kinds,
                                         DevicePairingProtectionLevel level) {
  __FIAsyncOperation_1_Windows__CDevices__CEnumeration__CDevicePairingResult *op = NULL;
  CHECK_HR(IDeviceInformationCustomPairing_PairWithProtectionLevelAsync(cu, kinds, level, &op));
  return t_await_obj(op, H_PAIR, 10000);
}

static DevicePairingResultStatus status_of(IDevicePairingResult *r, DevicePairingProtectionLevel *used) {
  DevicePairingResultStatus s;
  CHECK_HR(IDevicePairingResult_get_Status(r, &s));
  if (used) CHECK_HR(IDevicePairingResult_get_ProtectionLevelUsed(r, used));
  IDevicePairingResult_Release(r);
  return s;
}

static IDeviceInformationPairing *pairing_of(IBluetoothLEDevice *dev) {
  IBluetoothLEDevice2 *d2 = NULL;
  CHECK_HR(IBluetoothLEDevice_QueryInterface(dev, &IID_IBluetoothLEDevice2, (void **)&d2));
  IDeviceInformation *di = NULL;
  CHECK_HR(IBluetoothLEDevice2_get_DeviceInformation(d2, &di));
  IBluetoothLEDevice2_Release(d2);
  IDeviceInformation2 *di2 = NULL;
  CHECK_HR(IDeviceInformation_QueryInterface(di, &IID_IDeviceInformation2, (void **)&di2));
  IDeviceInformationPairing *p = NULL;
  CHECK_HR(IDeviceInformation2_get_Pairing(di2, &p));
  DeviceInformationKind kind;
  CHECK_HR(IDeviceInformation2_get_Kind(di2, &kind));
  CHECK_EQ_INT(kind, DeviceInformationKind_AssociationEndpoint);
  IDeviceInformation2_Release(di2);
  IDeviceInformation_Release(di);
  return p;
}

static boolean is_paired(IDeviceInformationPairing *p) {
  boolean b = FALSE;
  CHECK_HR(IDeviceInformationPairing_get_IsPaired(p, &b));
  return b;
}

void test_pairing_custom_and_unpair(void) {
  t_world(pairing_world);
  IBluetoothLEDevice *dev = g_device("AA:00:00:00:00:03");
  conn_rec rec;
  g_conn_rec_init(&rec);
  EventRegistrationToken ctok;
  t_delegate *cw = g_watch_connection(dev, &rec, &ctok);
  IGattSession *s = g_session(dev);
  CHECK_HR(IGattSession_put_MaintainConnection(s, TRUE));
  CHECK(T_WAIT_UNTIL(rec.connected >= 1, 5000));
  GattCommunicationStatus st;
  ServiceView *sv = g_services(dev, BluetoothCacheMode_Uncached, &st);
  IGattDeviceService *svc = g_find_service(sv, 0xBB00);
  CharView *cv = g_chars(svc, BluetoothCacheMode_Uncached, &st);
  IGattCharacteristic *secret = g_find_char(cv, 0xBB01);
  BYTE buf[16];
  UINT32 len;
  int pe;
  /* Before pairing, the protected value answers an ATT security error. */
  CHECK_EQ_INT(g_read(secret, BluetoothCacheMode_Uncached, buf, sizeof buf, &len, &pe),
               GattCommunicationStatus_ProtocolError);
  CHECK(pe == 0x05 || pe == 0x0F);

  IDeviceInformationPairing *p = pairing_of(dev);
  CHECK(!is_paired(p));
  boolean can = FALSE;
  CHECK_HR(IDeviceInformationPairing_get_CanPair(p, &can));
  CHECK(can);
  IDeviceInformationPairing2 *p2 = NULL;
  CHECK_HR(IDeviceInformationPairing_QueryInterface(p, &IID_IDeviceInformationPairing2, (void **)&p2));
  IDeviceInformationCustomPairing *cu = NULL;
  CHECK_HR(IDeviceInformationPairing2_get_Custom(p2, &cu));

  /* No PairingRequested handler. */
  CHECK_EQ_INT(status_of(custom_pair(cu, DevicePairingKinds_ConfirmOnly, DevicePairingProtectionLevel_Encryption), NULL),
               DevicePairingResultStatus_RequiredHandlerNotRegistered);
  static pairing_ctx pc;
  memset(&pc, 0, sizeof pc);
  t_delegate *pd = t_delegate_new(
      &IID___FITypedEventHandler_2_Windows__CDevices__CEnumeration__CDeviceInformationCustomPairing_Windows__CDevices__CEnumeration__CDevicePairingRequestedEventArgs,
      on_pairing_requested, &pc);
  EventRegistrationToken ptok;
  CHECK_HR(IDeviceInformationCustomPairing_add_PairingRequested(cu, t_delegate_itf(pd), &ptok));
  /* The handler does not accept. */
  pc.mode = 0;
  CHECK_EQ_INT(status_of(custom_pair(cu, DevicePairingKinds_ConfirmOnly, DevicePairingProtectionLevel_Encryption), NULL),
               DevicePairingResultStatus_RejectedByHandler);
  CHECK_EQ_INT(pc.calls, 1);
  CHECK_EQ_INT(pc.kind, DevicePairingKinds_ConfirmOnly);
  CHECK(pc.had_info);
  CHECK(!is_paired(p));
  /* The handler takes a deferral and accepts later from another thread. */
  pc.mode = 2;
  DevicePairingProtectionLevel used;
  CHECK_EQ_INT(status_of(custom_pair(cu, DevicePairingKinds_ConfirmOnly | DevicePairingKinds_ProvidePin,
                                     DevicePairingProtectionLevel_Encryption),
                         &used),
               DevicePairingResultStatus_Paired);
  CHECK_EQ_INT(used, DevicePairingProtectionLevel_Encryption);
  CHECK(is_paired(p));
  DevicePairingProtectionLevel level;
  CHECK_HR(IDeviceInformationPairing2_get_ProtectionLevel(p2, &level));
  CHECK_EQ_INT(level, DevicePairingProtectionLevel_Encryption);
  /* Now the protected value reads. */
  CHECK_EQ_INT(g_read(secret, BluetoothCacheMode_Uncached, buf, sizeof buf, &len, &pe), GattCommunicationStatus_Success);
  CHECK(len == 6 && memcmp(buf, "secret", 6) == 0);
  /* Pairing a paired device. */
  pc.mode = 1;
  CHECK_EQ_INT(status_of(custom_pair(cu, DevicePairingKinds_ConfirmOnly, DevicePairingProtectionLevel_Encryption), NULL),
               DevicePairingResultStatus_AlreadyPaired);

  /* Unpairing disconnects. */
  int disc = rec.disconnected;
  __FIAsyncOperation_1_Windows__CDevices__CEnumeration__CDeviceUnpairingResult *uop = NULL;
  CHECK_HR(IDeviceInformationPairing2_UnpairAsync(p2, &uop));
  IDeviceUnpairingResult *ur = t_await_obj(uop, H_UNPAIR, 5000);
  DeviceUnpairingResultStatus us;
  CHECK_HR(IDeviceUnpairingResult_get_Status(ur, &us));
  CHECK_EQ_INT(us, DeviceUnpairingResultStatus_Unpaired);
  IDeviceUnpairingResult_Release(ur);
  CHECK(T_WAIT_UNTIL(rec.disconnected > disc, 3000));
  CHECK(!is_paired(p));
  CHECK_HR(IDeviceInformationPairing2_UnpairAsync(p2, &uop));
  ur = t_await_obj(uop, H_UNPAIR, 5000);
  CHECK_HR(IDeviceUnpairingResult_get_Status(ur, &us));
  CHECK_EQ_INT(us, DeviceUnpairingResultStatus_AlreadyUnpaired);
  IDeviceUnpairingResult_Release(ur);

  /* The ceremony follows the peripheral's IO capability, not the level: this one (no
   * pairing-io: Just Works) confirms, and cannot reach authentication. */
  pc.mode = 3;
  pc.calls = 0;
  CHECK_EQ_INT(status_of(custom_pair(cu, DevicePairingKinds_ConfirmOnly | DevicePairingKinds_ProvidePin,
                                     DevicePairingProtectionLevel_EncryptionAndAuthentication),
                         NULL),
               DevicePairingResultStatus_ProtectionLevelCouldNotBeMet);
  CHECK_EQ_INT(pc.calls, 1);
  CHECK_EQ_INT(pc.kind, DevicePairingKinds_ConfirmOnly);
  /* Kinds the ceremony cannot use. */
  CHECK_EQ_INT(status_of(custom_pair(cu, DevicePairingKinds_ProvidePasswordCredential,
                                     DevicePairingProtectionLevel_Encryption),
                         NULL),
               DevicePairingResultStatus_NoSupportedProfiles);

  /* Plain PairAsync, as if the user confirmed. */
  __FIAsyncOperation_1_Windows__CDevices__CEnumeration__CDevicePairingResult *pop = NULL;
  CHECK_HR(IDeviceInformationPairing_PairAsync(p, &pop));
  CHECK_EQ_INT(status_of(t_await_obj(pop, H_PAIR, 10000), NULL), DevicePairingResultStatus_Paired);
  CHECK(is_paired(p));
  CHECK_HR(IDeviceInformationPairing2_UnpairAsync(p2, &uop));
  ur = t_await_obj(uop, H_UNPAIR, 5000);
  IDeviceUnpairingResult_Release(ur);

  CHECK_HR(IDeviceInformationCustomPairing_remove_PairingRequested(cu, ptok));
  t_delegate_release(pd);
  IDeviceInformationCustomPairing_Release(cu);
  IDeviceInformationPairing2_Release(p2);
  IDeviceInformationPairing_Release(p);
  IGattCharacteristic_Release(secret);
  cv->lpVtbl->Release(cv);
  IGattDeviceService_Release(svc);
  g_close_services(sv);
  g_close(s);
  IGattSession_Release(s);
  CHECK(T_WAIT_UNTIL(g_status(dev) == BluetoothConnectionStatus_Disconnected, 5000));
  CHECK_HR(IBluetoothLEDevice_remove_ConnectionStatusChanged(dev, ctok));
  t_delegate_release(cw);
  IBluetoothLEDevice_Release(dev);
  t_check_no_live_objects();
}

void test_pairing_known_device(void) {
  t_world(pairing_world);
  /* The OS paired this device before: IsPaired at once, protected values read. */
  IBluetoothLEDevice *dev = g_device("AA:00:00:00:00:04");
  IDeviceInformationPairing *p = pairing_of(dev);
  CHECK(is_paired(p));
  IDeviceInformationPairing_Release(p);
  GattCommunicationStatus st;
  ServiceView *sv = g_services(dev, BluetoothCacheMode_Uncached, &st);
  CHECK_EQ_INT(st, GattCommunicationStatus_Success);
  IGattDeviceService *svc = g_find_service(sv, 0xBB00);
  CharView *cv = g_chars(svc, BluetoothCacheMode_Cached, &st);
  IGattCharacteristic *c = g_find_char(cv, 0xBB01);
  BYTE buf[16];
  UINT32 len;
  CHECK_EQ_INT(g_read(c, BluetoothCacheMode_Uncached, buf, sizeof buf, &len, NULL), GattCommunicationStatus_Success);
  CHECK(len == 5 && memcmp(buf, "known", 5) == 0);
  IGattCharacteristic_Release(c);
  cv->lpVtbl->Release(cv);
  IGattDeviceService_Release(svc);
  g_close_services(sv);

  /* DeviceInformation.CreateFromIdAsync with the device's id. */
  HSTRING id = NULL;
  CHECK_HR(IBluetoothLEDevice_get_DeviceId(dev, &id));
  IDeviceInformationStatics *dis = NULL;
  CHECK_HR(t_factory(L"Windows.Devices.Enumeration.DeviceInformation", &IID_IDeviceInformationStatics, (void **)&dis));
  __FIAsyncOperation_1_Windows__CDevices__CEnumeration__CDeviceInformation *op = NULL;
  CHECK_HR(IDeviceInformationStatics_CreateFromIdAsync(dis, id, &op));
  IDeviceInformation *di =
      t_await_obj(op, &IID___FIAsyncOperationCompletedHandler_1_Windows__CDevices__CEnumeration__CDeviceInformation, 5000);
  HSTRING name = NULL;
  CHECK_HR(IDeviceInformation_get_Name(di, &name));
  CHECK(t_hs_eq(name, L"Known"));
  WindowsDeleteString(name);
  IDeviceInformation_Release(di);
  IDeviceInformationStatics_Release(dis);
  WindowsDeleteString(id);
  CHECK(T_WAIT_UNTIL(g_status(dev) == BluetoothConnectionStatus_Disconnected, 3000));
  IBluetoothLEDevice_Release(dev);
  t_check_no_live_objects();
}

static const char unencrypted_world[] =
    "blec-world 1\n"
    "peripheral AA:00:00:00:00:05 public\n"
    "  adv-interval 20ms\n"
    "  pairing none\n"
    "  service bb00\n"
    "    characteristic bb01 read text:\"plain\"\n";

static DevicePairingResultStatus plain_pair(IDeviceInformationPairing *p, DevicePairingProtectionLevel level,
                                            DevicePairingProtectionLevel *used) {
  __FIAsyncOperation_1_Windows__CDevices__CEnumeration__CDevicePairingResult *op = NULL;
  if (level == DevicePairingProtectionLevel_Default)
    CHECK_HR(IDeviceInformationPairing_PairAsync(p, &op));
  else
    CHECK_HR(IDeviceInformationPairing_PairWithProtectionLevelAsync(p, level, &op));
  return status_of(t_await_obj(op, H_PAIR, 10000), used);
}

void test_pairing_default_level_no_minimum(void) {
  t_world(unencrypted_world);
  IBluetoothLEDevice *dev = g_device("AA:00:00:00:00:05");
  IDeviceInformationPairing *p = pairing_of(dev);
  DevicePairingProtectionLevel used = DevicePairingProtectionLevel_Default;
  /* The stack's default: Default pairs like Encryption, which this device cannot reach. */
  CHECK_EQ_INT(sim.blec_winrt_sim_set_pairing_default_no_minimum(0), 0);
  CHECK_EQ_INT(plain_pair(p, DevicePairingProtectionLevel_Default, NULL),
               DevicePairingResultStatus_ProtectionLevelCouldNotBeMet);
  CHECK(!is_paired(p));
  /* No minimum: an explicit level still is one; Default pairs at what the device reaches. */
  CHECK_EQ_INT(sim.blec_winrt_sim_set_pairing_default_no_minimum(1), 0);
  CHECK_EQ_INT(plain_pair(p, DevicePairingProtectionLevel_Encryption, NULL),
               DevicePairingResultStatus_ProtectionLevelCouldNotBeMet);
  CHECK(!is_paired(p));
  CHECK_EQ_INT(plain_pair(p, DevicePairingProtectionLevel_Default, &used), DevicePairingResultStatus_Paired);
  CHECK_EQ_INT(used, DevicePairingProtectionLevel_None);
  CHECK(is_paired(p));
  IDeviceInformationPairing_Release(p);
  CHECK(T_WAIT_UNTIL(g_status(dev) == BluetoothConnectionStatus_Disconnected, 3000));
  IBluetoothLEDevice_Release(dev);
  t_check_no_live_objects();
}
