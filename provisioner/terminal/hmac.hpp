// HMAC-SHA1 (RFC 2104) through OpenSSL 3's EVP_MAC: the MAC of OMA Client Provisioning documents
// (OMA-WAP-TS-ProvBoot §5.3, "M = HMAC-SHA(K, A)").
#pragma once

#include <array>
#include <cstdint>

#include "sim/bytes.hpp"

namespace provisioner::terminal {

using Sha1Mac = std::array<std::uint8_t, 20>;

Sha1Mac hmac_sha1(sim::ByteView key, sim::ByteView data);

}  // namespace provisioner::terminal
