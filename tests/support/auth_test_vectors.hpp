// The authentication algorithms' test vectors (sim-standards.md §4.1-4.3), typed once for both
// implementations under test: libsim's (tests/unit/auth_*_test.cpp) and the simulated card's
// (simcard_algorithms_test.cpp). Hex as the sources print it.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "hex_values.hpp"

namespace simtest {

struct MilenageTestSet {
    const char* name;
    const char* k;
    const char* rand;
    const char* sqn;
    const char* amf;
    const char* op;
    const char* opc;
    const char* f1;
    const char* f1_star;
    const char* f2;
    const char* f3;
    const char* f4;
    const char* f5;
    const char* f5_star;
};

// TS 35.208 sets 1, 3-6 and TS 35.207 set 2 ("2*", because 35.208's set 2 repeats set 1).
// One line per set, in the field order above, as the standards' tables list them.
// clang-format off
inline const MilenageTestSet kMilenageTestSets[] = {
    {"set1", "465b5ce8b199b49faa5f0a2ee238a6bc", "23553cbe9637a89d218ae64dae47bf35", "ff9bb4d0b607", "b9b9", "cdc202d5123e20f62b6d676ac72cb318", "cd63cb71954a9f4e48a5994e37a02baf", "4a9ffac354dfafb3", "01cfaf9ec4e871e9", "a54211d5e3ba50bf", "b40ba9a3c58b2a05bbf0d987b21bf8cb", "f769bcd751044604127672711c6d3441", "aa689c648370", "451e8beca43b"},
    {"set2star", "0396eb317b6d1c36f19c1c84cd6ffd16", "c00d603103dcee52c4478119494202e8", "fd8eef40df7d", "af17", "ff53bade17df5d4e793073ce9d7579fa", "53c15671c60a4b731c55b4a441c0bde2", "5df5b31807e258b0", "a8c016e51ef4a343", "d3a628ed988620f0", "58c433ff7a7082acd424220f2b67c556", "21a8c1f929702adb3e738488b9f5c5da", "c47783995f72", "30f1197061c1"},
    {"set3", "fec86ba6eb707ed08905757b1bb44b8f", "9f7c8d021accf4db213ccff0c7f71a6a", "9d0277595ffc", "725c", "dbc59adcb6f9a0ef735477b7fadf8374", "1006020f0a478bf6b699f15c062e42b3", "9cabc3e99baf7281", "95814ba2b3044324", "8011c48c0c214ed2", "5dbdbb2954e8f3cde665b046179a5098", "59a92d3b476a0443487055cf88b2307b", "33484dc2136b", "deacdd848cc6"},
    {"set4", "9e5944aea94b81165c82fbf9f32db751", "ce83dbc54ac0274a157c17f80d017bd6", "0b604a81eca8", "9e09", "223014c5806694c007ca1eeef57f004f", "a64a507ae1a2a98bb88eb4210135dc87", "74a58220cba84c49", "ac2cc74a96871837", "f365cd683cd92e96", "e203edb3971574f5a94b0d61b816345d", "0c4524adeac041c4dd830d20854fc46b", "f0b9c08ad02e", "6085a86c6f63"},
    {"set5", "4ab1deb05ca6ceb051fc98e77d026a84", "74b0cd6031a1c8339b2b6ce2b8c4a186", "e880a1b580b6", "9f07", "2d16c5cd1fdf6b22383584e3bef2a8d8", "dcf07cbd51855290b92a07a9891e523e", "49e785dd12626ef2", "9e85790336bb3fa2", "5860fc1bce351e7e", "7657766b373d1c2138f307e3de9242f9", "1c42e960d89b8fa99f2744e0708ccb53", "31e11a609118", "fe2555e54aa9"},
    {"set6", "6c38a116ac280c454f59332ee35c8c4f", "ee6466bc96202c5a557abbeff8babf63", "414b98222181", "4464", "1ba00a1a7c6700ac8c3ff3e96ad08725", "3803ef5363b947c6aaa225e58fae3934", "078adfb488241a57", "80246b8d0186bcf1", "16c8233f05a0ac28", "3f8c7587fe8e4b233af676aede30ba3b", "a7466cc1e6b2a1337d49d3b66e95d7b4", "45b0f69ab06c", "1f53cd2b1113"},
};
// clang-format on

// TS 35.208 set 7, given with OPc; the tests check f1 (MAC-A), f2 (RES) and f5 (AK).
struct MilenageSet7 {
    const char* k;
    const char* opc;
    const char* rand;
    const char* sqn;
    const char* amf;
    const char* f1;
    const char* f2;
    const char* f5;
};
inline const MilenageSet7 kMilenageSet7{"2d609d4db0ac5bf0d2c0de267014de0d",
                                        "c35a0ab0bcbfc9252caff15f24efbde0",
                                        "194aa756013896b74b4a2a3b0af4539e",
                                        "6bf69438c2e4",
                                        "5f67",
                                        "bd07d3003b9e5cc3",
                                        "8c25a16cd918a1df",
                                        "7e6455f34cf3"};

// A 2G answer.
struct GsmVector {
    const char* sres;
    const char* kc;
};

// TS 55.205 GSM-MILENAGE set 1: SRES and Kc from the inputs of TS 35.208 set 1 (kMilenageTestSets[0]).
inline const GsmVector kGsmMilenageSet1{"46f8416a", "eae4be823af9a08b"};

// libosmocore (milenage_test, auth tests): K = OPc = kOsmoK, RAND = 0, SQN 34, AMF 0000.
inline constexpr const char* kOsmoK = "000102030405060708090a0b0c0d0e0f";
struct OsmoMilenage {
    const char* autn;
    const char* res;
    const char* ck;
    const char* ik;
    GsmVector gsm;
    const char* auts_sqn_ms_31;    // AUTS of a card whose SQN_MS is 31, under RAND = 0
    const char* opc_from_zero_op;  // OPc of kOsmoK with OP = 0
};
inline const OsmoMilenage kOsmoMilenage{
    "ec9320c2c2120000c8b7de2a3449f1bd", "e9fc88ccc8a35381",
    "7200a184d8f2c758fbdf87900ddbf275", "12cb2dd3e0ec8378f6fc1d606c619f47",
    {"215fdb4d", "6de816a759a42912"},   "8711a0ec9e1637df17f80b384ee4",
    "c6a13b37878f5b826f4f8162a1c8d879"};

// pySim shell test on a real sysmoISIM-SJA5 (the card holds OP), SQN 0x20, AMF 0000.
struct Sja5Milenage {
    const char* k;
    const char* op;
    const char* opc;
    const char* rand;
    const char* autn;
    const char* res;
    const char* ck;
    const char* ik;
    const char* kc;
};
inline const Sja5Milenage kSja5Milenage{"56c3a6da347ae7e43c69d37576725d81",
                                        "e0012b514f84eca9bfd6182bee345e2c",
                                        "b54aa2ed5fb981dd3d544c1fe3e36b6f",
                                        "e85b2b7fe58f0e6239b32543d3e3259a",
                                        "7928ea47ae090000ca8ab1f93c7cb03a",
                                        "13484811d553ab35",
                                        "0f93c4807f4ff57c6cd348fea590c06d",
                                        "608e7bff4856c73e363e795b165a4158",
                                        "35f08eda84d3b377"};

// XOR-2G (TS 51.010-1), libosmocore's vectors: Ki = kOsmoK.
struct Xor2gVector {
    const char* rand;
    GsmVector out;
};
inline const Xor2gVector kXor2gVectors[] = {
    {"00000000000000000000000000000000", {"00010203", "0405060708090a0b"}},
    {"00102030405060708090a0b0c0d0e0f0", {"00112233", "445566778899aabb"}},
};

// XOR-3G (TS 34.108) on the inputs of TS 35.208 set 1 (kMilenageTestSets[0]).
struct Xor3gVector {
    const char* res;
    const char* ck;
    const char* ik;
    const char* ak;
    const char* autn;
    GsmVector gsm;
};
inline const Xor3gVector kXor3gSet1{"650e605627ae1c028bd5ec634c7f1989", "0e605627ae1c028bd5ec634c7f198965",
                                    "605627ae1c028bd5ec634c7f1989650e", "5627ae1c028b",
                                    "a9bc1accb48cb9b99a95d48691a9a5bb", {"850a89be", "57b95ebad48e6535"}};

// COMP128-1: the first is published in osmo-hlr tests/auc/auc_test.c; the others were computed with
// libosmocore (⚠ §9.6).
struct Comp128Vector {
    const char* ki;
    const char* rand;
    GsmVector out;
};
inline const Comp128Vector kComp128v1Vectors[] = {
    {"eb215756028d60e3275e613320aec880",
     "39fa2f4e3d523d8619a73b4f65c3e14d",
     {"429d5b27", "241a5b16aeb8e400"}},
    {"000102030405060708090a0b0c0d0e0f",
     "00000000000000000000000000000000",
     {"61b569f5", "d9d9c2ed627d6800"}},
    {"000102030405060708090a0b0c0d0e0f",
     "00112233445566778899aabbccddeeff",
     {"f5688422", "c0db4dad86445c00"}},
    {"465b5ce8b199b49faa5f0a2ee238a6bc",
     "23553cbe9637a89d218ae64dae47bf35",
     {"27c443ca", "e8d311d150017400"}},
};

// The seven MILENAGE outputs of `out` (libsim's MilenageOutput or the card's MilenageVector) against set `s`.
template <class Outputs>
void expect_milenage_outputs(const MilenageTestSet& s, const Outputs& out) {
    EXPECT_EQ(out.mac_a, arr<8>(s.f1));
    EXPECT_EQ(out.mac_s, arr<8>(s.f1_star));
    EXPECT_EQ(out.res, arr<8>(s.f2));
    EXPECT_EQ(out.ck, arr<16>(s.f3));
    EXPECT_EQ(out.ik, arr<16>(s.f4));
    EXPECT_EQ(out.ak, arr<6>(s.f5));
    EXPECT_EQ(out.ak_star, arr<6>(s.f5_star));
}

// gtest's name for a parameterised test over the sets: the set's name.
inline std::string milenage_set_name(const ::testing::TestParamInfo<MilenageTestSet>& info) {
    return info.param.name;
}

}  // namespace simtest
