// Addresses: bech32m (BIP350) over a 32-byte x-only public key.
//
// Text form: hrp "1" data, where hrp is the network prefix (mln, tmln, dmln)
// and data is the 5-bit address version (0) followed by the 32-byte key
// regrouped into 5-bit values. Decoding checks the network, the checksum
// variant, the version, the length and that the key is a curve point; the last
// check (a libsecp256k1 parse, a few µs) can be run separately.
#pragma once

#include <string>
#include <string_view>

#include "crypto/key.h"
#include "util/result.h"

namespace maillon {

std::string EncodeAddress(std::string_view hrp, const XOnlyPubKey& key);
Result<XOnlyPubKey> DecodeAddress(std::string_view hrp, std::string_view address);

// DecodeAddress = DecodeAddressWithoutCurveCheck, then CheckAddressKey with the
// same address, which fails with DecodeAddress's error for an off-curve key. For
// a caller that can sometimes prove the key valid more cheaply.
Result<XOnlyPubKey> DecodeAddressWithoutCurveCheck(std::string_view hrp, std::string_view address);
Status CheckAddressKey(std::string_view address, const XOnlyPubKey& key);

}  // namespace maillon
