/* SPDX-License-Identifier: MIT */
/* t_buffer.c — activation through Wine, Buffer with IBufferByteAccess, DataWriter, DataReader. */
#include "sim_test.h"

void test_activation_through_ro(void) {
  /* Nothing of the stack is loaded before Wine's RoGetActivationFactory loads it. */
  CHECK(GetModuleHandleW(L"blec_winrt_sim.dll") == NULL);
  IBufferFactory *f = NULL;
  CHECK_HR(t_factory(L"Windows.Storage.Streams.Buffer", &IID_IBufferFactory, (void **)&f));
  CHECK(GetModuleHandleW(L"blec_winrt_sim.dll") != NULL);
  /* The factory also answers the class's statics, and IActivationFactory. */
  IBufferStatics *st = NULL;
  CHECK_HR(IBufferFactory_QueryInterface(f, &IID_IBufferStatics, (void **)&st));
  IActivationFactory *af = NULL;
  CHECK_HR(IBufferFactory_QueryInterface(f, &IID_IActivationFactory, (void **)&af));
  IInspectable *inst = NULL;
  CHECK_EQ_HR(IActivationFactory_ActivateInstance(af, &inst), E_NOTIMPL); /* no default constructor */
  IActivationFactory_Release(af);
  IBufferStatics_Release(st);
  IBufferFactory_Release(f);

  /* Default constructor through RoActivateInstance. */
  IDataWriter *w = NULL;
  CHECK_HR(t_activate(L"Windows.Storage.Streams.DataWriter", &IID_IDataWriter, (void **)&w));
  HSTRING name = NULL;
  CHECK_HR(IDataWriter_GetRuntimeClassName(w, &name));
  CHECK(t_hs_eq(name, L"Windows.Storage.Streams.DataWriter"));
  WindowsDeleteString(name);
  ULONG n = 0;
  IID *iids = NULL;
  CHECK_HR(IDataWriter_GetIids(w, &n, &iids));
  bool has_writer = false, has_closable = false;
  for (ULONG i = 0; i < n; i++) {
    has_writer |= IsEqualIID(&iids[i], &IID_IDataWriter) != 0;
    has_closable |= IsEqualIID(&iids[i], &IID_IClosable) != 0;
  }
  CoTaskMemFree(iids);
  CHECK(has_writer && has_closable);
  TrustLevel tl;
  CHECK_HR(IDataWriter_GetTrustLevel(w, &tl));
  CHECK_EQ_INT(tl, BaseTrust);
  IAgileObject *agile = NULL;
  CHECK_HR(IDataWriter_QueryInterface(w, &IID_IAgileObject, (void **)&agile));
  IAgileObject_Release(agile);
  IDataReader *not_it = NULL;
  CHECK_EQ_HR(IDataWriter_QueryInterface(w, &IID_IDataReader, (void **)&not_it), E_NOINTERFACE);
  IDataWriter_Release(w);

  /* A class the stack does not register is not found. */
  void *none = NULL;
  CHECK(FAILED(t_factory(L"Windows.Devices.Bluetooth.NoSuchClass", &IID_IActivationFactory, &none)));
  t_check_no_live_objects();
}

void test_buffer_byte_access(void) {
  IBufferFactory *f = NULL;
  CHECK_HR(t_factory(L"Windows.Storage.Streams.Buffer", &IID_IBufferFactory, (void **)&f));
  IBuffer *b = NULL;
  CHECK_HR(IBufferFactory_Create(f, 16, &b));
  IBufferFactory_Release(f);
  UINT32 v = 99;
  CHECK_HR(IBuffer_get_Capacity(b, &v));
  CHECK_EQ_INT(v, 16);
  CHECK_HR(IBuffer_get_Length(b, &v));
  CHECK_EQ_INT(v, 0);
  CHECK_EQ_HR(IBuffer_put_Length(b, 17), E_INVALIDARG);
  IBufferByteAccess *bba = NULL;
  CHECK_HR(IBuffer_QueryInterface(b, &IID_IBufferByteAccess, (void **)&bba));
  BYTE *p = NULL;
  CHECK_HR(IBufferByteAccess_Buffer(bba, &p));
  CHECK(p != NULL);
  memcpy(p, "\x01\x02\x03\x04", 4);
  CHECK_HR(IBuffer_put_Length(b, 4));
  BYTE out[8];
  CHECK_EQ_INT(t_buffer_bytes(b, out, sizeof out), 4);
  CHECK(memcmp(out, "\x01\x02\x03\x04", 4) == 0);
  /* IBufferByteAccess is classic COM: QueryInterface back to IBuffer works. */
  IBuffer *again = NULL;
  CHECK_HR(IBufferByteAccess_QueryInterface(bba, &IID_IBuffer, (void **)&again));
  CHECK(again == b);
  IBuffer_Release(again);
  IBufferByteAccess_Release(bba);
  IBuffer_Release(b);
  t_check_no_live_objects();
}

void test_datawriter_datareader(void) {
  IDataWriter *w = NULL;
  CHECK_HR(t_activate(L"Windows.Storage.Streams.DataWriter", &IID_IDataWriter, (void **)&w));
  ByteOrder order;
  CHECK_HR(IDataWriter_get_ByteOrder(w, &order));
  CHECK_EQ_INT(order, ByteOrder_BigEndian);
  CHECK_HR(IDataWriter_WriteByte(w, 0xAB));
  CHECK_HR(IDataWriter_WriteUInt16(w, 0x1234));
  CHECK_HR(IDataWriter_put_ByteOrder(w, ByteOrder_LittleEndian));
  CHECK_HR(IDataWriter_WriteUInt32(w, 0xA1B2C3D4));
  BYTE raw[] = {9, 8, 7};
  CHECK_HR(IDataWriter_WriteBytes(w, 3, raw));
  HSTRING s = t_hs(L"h\u00e9");
  UINT32 n = 0;
  CHECK_HR(IDataWriter_WriteString(w, s, &n));
  CHECK_EQ_INT(n, 3); /* UTF-8 bytes */
  GUID g = t_uuid16(0x180D);
  CHECK_HR(IDataWriter_WriteGuid(w, g));
  CHECK_HR(IDataWriter_get_UnstoredBufferLength(w, &n));
  CHECK_EQ_INT(n, 1 + 2 + 4 + 3 + 3 + 16);
  IBuffer *b = NULL;
  CHECK_HR(IDataWriter_DetachBuffer(w, &b));
  CHECK_HR(IDataWriter_get_UnstoredBufferLength(w, &n));
  CHECK_EQ_INT(n, 0);
  BYTE bytes[64];
  CHECK_EQ_INT(t_buffer_bytes(b, bytes, sizeof bytes), 29);
  CHECK(memcmp(bytes, "\xAB\x12\x34\xD4\xC3\xB2\xA1\x09\x08\x07h\xC3\xA9", 13) == 0);

  IDataReaderStatics *rs = NULL;
  CHECK_HR(t_factory(L"Windows.Storage.Streams.DataReader", &IID_IDataReaderStatics, (void **)&rs));
  IDataReader *r = NULL;
  CHECK_HR(IDataReaderStatics_FromBuffer(rs, b, &r));
  IDataReaderStatics_Release(rs);
  CHECK_HR(IDataReader_get_UnconsumedBufferLength(r, &n));
  CHECK_EQ_INT(n, 29);
  BYTE by;
  CHECK_HR(IDataReader_ReadByte(r, &by));
  CHECK_EQ_INT(by, 0xAB);
  UINT16 u16;
  CHECK_HR(IDataReader_ReadUInt16(r, &u16));
  CHECK_EQ_INT(u16, 0x1234);
  CHECK_HR(IDataReader_put_ByteOrder(r, ByteOrder_LittleEndian));
  UINT32 u32;
  CHECK_HR(IDataReader_ReadUInt32(r, &u32));
  CHECK_EQ_INT(u32, 0xA1B2C3D4u);
  BYTE three[3];
  CHECK_HR(IDataReader_ReadBytes(r, 3, three));
  CHECK(memcmp(three, raw, 3) == 0);
  HSTRING back = NULL;
  CHECK_HR(IDataReader_ReadString(r, 3, &back));
  CHECK(t_hs_eq(back, L"h\u00e9"));
  WindowsDeleteString(back);
  GUID g2;
  CHECK_HR(IDataReader_ReadGuid(r, &g2));
  CHECK(IsEqualGUID(&g, &g2));
  CHECK_EQ_HR(IDataReader_ReadByte(r, &by), E_BOUNDS);
  IClosable *c = NULL;
  CHECK_HR(IDataReader_QueryInterface(r, &IID_IClosable, (void **)&c));
  CHECK_HR(IClosable_Close(c));
  IClosable_Release(c);
  IDataReader_Release(r);
  IBuffer_Release(b);
  WindowsDeleteString(s);
  IDataWriter_Release(w);
  t_check_no_live_objects();
}
