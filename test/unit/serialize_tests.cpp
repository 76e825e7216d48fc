// Writer/Reader: round trips, the canonical varint rules, limits checked
// before allocation, sticky errors with field names and offsets.
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

#include "serialize/codec.h"

using namespace maillon;

namespace {

using Bytes = std::vector<uint8_t>;

Bytes EncodeVarInt(uint64_t v) {
    Writer w;
    w.VarInt(v);
    return w.Take();
}

bool Contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// Decodes data as one varint that must be followed by nothing; returns the
// reader so callers can inspect the error.
Reader ReadOneVarInt(const Bytes& data, uint64_t& out) {
    Reader r(data);
    if (r.VarInt(out, "value")) r.Finish();
    return r;
}

// Checks that reading `enc` as a varint fails, leaves the output untouched
// and reports an error whose message contains every one of `needles`.
void CheckVarIntRejected(const Bytes& enc, std::initializer_list<std::string> needles) {
    uint64_t out = 777;
    Reader r(enc);
    BOOST_CHECK(!r.VarInt(out, "len"));
    BOOST_CHECK(!r.ok());
    BOOST_CHECK_EQUAL(out, 777u);  // untouched on failure
    for (const std::string& needle : needles)
        BOOST_CHECK_MESSAGE(Contains(r.GetError().message, needle), r.GetError().message);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(serialize_tests)

BOOST_AUTO_TEST_CASE(fixed_width_little_endian) {
    Writer w;
    w.U8(0xab);
    w.U32(0x01020304);
    w.U64(0x1122334455667788);
    const Bytes expected{0xab, 0x04, 0x03, 0x02, 0x01, 0x88, 0x77,
                         0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
    BOOST_CHECK_EQUAL_COLLECTIONS(w.Data().begin(), w.Data().end(), expected.begin(),
                                  expected.end());
}

BOOST_AUTO_TEST_CASE(round_trip_all_field_kinds) {
    const std::array<uint8_t, 32> hash = [] {
        std::array<uint8_t, 32> a{};
        for (size_t i = 0; i < a.size(); ++i)
            a[i] = static_cast<uint8_t>(i * 7 + 1);
        return a;
    }();
    const Bytes payload{'h', 'e', 'l', 'l', 'o'};

    Writer w;
    w.U8(0);
    w.U8(255);
    w.U32(0);
    w.U32(0xffffffff);
    w.U64(std::numeric_limits<uint64_t>::max());
    w.VarInt(300);
    w.Bytes(payload);
    w.Bytes({});
    w.Raw(hash);
    const Bytes data = w.Take();
    BOOST_CHECK(w.Data().empty());  // Take() moved the buffer out
    BOOST_CHECK_EQUAL(data.size(), 1u + 1 + 4 + 4 + 8 + 2 + 6 + 1 + 32);

    Reader r(data);
    uint8_t a = 1, b = 0;
    uint32_t c = 1, d = 0;
    uint64_t e = 0, f = 0;
    Bytes g, h{9};
    std::array<uint8_t, 32> i{};
    BOOST_CHECK(r.U8(a, "a"));
    BOOST_CHECK(r.U8(b, "b"));
    BOOST_CHECK(r.U32(c, "c"));
    BOOST_CHECK(r.U32(d, "d"));
    BOOST_CHECK(r.U64(e, "e"));
    BOOST_CHECK(r.VarInt(f, "f"));
    BOOST_CHECK(r.Bytes(g, 100, "g"));
    BOOST_CHECK(r.Bytes(h, 100, "h"));
    BOOST_CHECK(r.Array(i, "i"));
    BOOST_CHECK_EQUAL(r.Remaining(), 0u);
    BOOST_CHECK_EQUAL(r.Position(), data.size());
    BOOST_CHECK(r.Finish());
    BOOST_CHECK(r.ok());

    BOOST_CHECK_EQUAL(a, 0);
    BOOST_CHECK_EQUAL(b, 255);
    BOOST_CHECK_EQUAL(c, 0u);
    BOOST_CHECK_EQUAL(d, 0xffffffffu);
    BOOST_CHECK_EQUAL(e, std::numeric_limits<uint64_t>::max());
    BOOST_CHECK_EQUAL(f, 300u);
    BOOST_CHECK(g == payload);
    BOOST_CHECK(h.empty());
    BOOST_CHECK(i == hash);
}

BOOST_AUTO_TEST_CASE(varint_known_encodings) {
    const uint64_t max = std::numeric_limits<uint64_t>::max();
    struct Case {
        uint64_t value;
        Bytes encoding;
    };
    const std::vector<Case> cases{
        {0, {0x00}},
        {1, {0x01}},
        {127, {0x7f}},
        {128, {0x80, 0x01}},
        {300, {0xac, 0x02}},
        {16383, {0xff, 0x7f}},
        {16384, {0x80, 0x80, 0x01}},
        {uint64_t{1} << 63, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}},
        {max, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT("value " << c.value) {
            const Bytes enc = EncodeVarInt(c.value);
            BOOST_CHECK_EQUAL_COLLECTIONS(enc.begin(), enc.end(), c.encoding.begin(),
                                          c.encoding.end());
            uint64_t out = 12345;
            Reader r = ReadOneVarInt(c.encoding, out);
            BOOST_CHECK(r.ok());
            BOOST_CHECK_EQUAL(out, c.value);
        }
    }
    BOOST_CHECK_EQUAL(EncodeVarInt(max).size(), 10u);
}

BOOST_AUTO_TEST_CASE(varint_round_trip_boundaries) {
    std::vector<uint64_t> values{0, std::numeric_limits<uint64_t>::max()};
    for (int k = 1; k <= 63; ++k) {
        const uint64_t p = uint64_t{1} << k;
        values.insert(values.end(), {p - 1, p, p + 1});
    }
    for (uint64_t v : values) {
        const Bytes enc = EncodeVarInt(v);
        // Minimal length: ceil(bit_length / 7), at least 1.
        size_t bit_length = 0;
        for (uint64_t t = v; t; t >>= 1)
            ++bit_length;
        const size_t expected_len = bit_length == 0 ? 1 : (bit_length + 6) / 7;
        BOOST_CHECK_EQUAL(enc.size(), expected_len);
        uint64_t out = 0;
        Reader r = ReadOneVarInt(enc, out);
        BOOST_CHECK_MESSAGE(r.ok() && out == v, "varint round trip failed for " << v);
    }
}

BOOST_AUTO_TEST_CASE(varint_non_minimal_rejected) {
    const std::vector<Bytes> cases{
        {0x80, 0x00},
        {0xff, 0x00},
        {0x80, 0x80, 0x00},
        {0x81, 0x80, 0x00},
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00},
    };
    for (const auto& enc : cases)
        CheckVarIntRejected(enc, {"non-minimal"});
}

BOOST_AUTO_TEST_CASE(varint_over_64_bits_rejected) {
    // The tenth byte may only contribute bit 63.
    const std::vector<Bytes> cases{
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02},
        {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02},
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
    };
    for (const auto& enc : cases)
        CheckVarIntRejected(enc, {"exceeds 64 bits"});
}

BOOST_AUTO_TEST_CASE(varint_eleven_bytes_rejected) {
    const std::vector<Bytes> cases{
        {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01},
        {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81, 0x00},
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x01},
    };
    for (const auto& enc : cases)
        CheckVarIntRejected(enc, {"longer than 10 bytes"});
}

BOOST_AUTO_TEST_CASE(varint_truncated_rejected) {
    // The error says so and points at the start of the varint.
    for (const Bytes& enc : {Bytes{}, Bytes{0x80}, Bytes{0xff, 0xff}})
        CheckVarIntRejected(enc, {"truncated", "at byte 0"});
}

BOOST_AUTO_TEST_CASE(truncated_fixed_ints_rejected) {
    {
        const Bytes data;
        Reader r(data);
        uint8_t v = 7;
        BOOST_CHECK(!r.U8(v, "flag"));
        BOOST_CHECK_EQUAL(v, 7);
    }
    {
        const Bytes data{1, 2, 3};
        Reader r(data);
        uint32_t v = 7;
        BOOST_CHECK(!r.U32(v, "version"));
        BOOST_CHECK_EQUAL(v, 7u);
        BOOST_CHECK_EQUAL(r.Position(), 0u);
        BOOST_CHECK_MESSAGE(Contains(r.GetError().message, "need 4 bytes, 3 left"),
                            r.GetError().message);
    }
    {
        const Bytes data(7, 0xaa);
        Reader r(data);
        uint64_t v = 7;
        BOOST_CHECK(!r.U64(v, "amount"));
        BOOST_CHECK_EQUAL(v, 7u);
        BOOST_CHECK_MESSAGE(Contains(r.GetError().message, "need 8 bytes, 7 left"),
                            r.GetError().message);
    }
    {
        const Bytes data(31, 0xaa);
        Reader r(data);
        std::array<uint8_t, 32> v{};
        BOOST_CHECK(!r.Array(v, "hash"));
        BOOST_CHECK((v == std::array<uint8_t, 32>{}));
        BOOST_CHECK_MESSAGE(Contains(r.GetError().message, "need 32 bytes, 31 left"),
                            r.GetError().message);
    }
}

BOOST_AUTO_TEST_CASE(truncated_byte_string_rejected) {
    const Bytes data{0x05, 'a', 'b'};
    Reader r(data);
    Bytes out{'x'};
    BOOST_CHECK(!r.Bytes(out, 100, "name"));
    BOOST_CHECK(out == Bytes{'x'});
    const std::string msg = r.GetError().message;
    BOOST_CHECK_MESSAGE(Contains(msg, "name") && Contains(msg, "truncated") &&
                            Contains(msg, "length 5") && Contains(msg, "2 bytes left"),
                        msg);
}

BOOST_AUTO_TEST_CASE(length_limit_checked_before_allocation) {
    // Declares 2^40 bytes (and then 2^64-1) with only three bytes behind it:
    // the limit must reject it before any buffer of that size is requested.
    for (uint64_t declared : {uint64_t{1} << 40, std::numeric_limits<uint64_t>::max()}) {
        Writer w;
        w.VarInt(declared);
        w.Raw(Bytes{1, 2, 3});
        Reader r(w.Data());
        Bytes out;
        BOOST_CHECK(!r.Bytes(out, 1000, "script"));
        BOOST_CHECK(out.empty());
        BOOST_CHECK_EQUAL(out.capacity(), 0u);
        const std::string msg = r.GetError().message;
        BOOST_CHECK_MESSAGE(Contains(msg, "script") && Contains(msg, "exceeds limit 1000") &&
                                Contains(msg, std::to_string(declared)),
                            msg);
    }
    // With no useful limit, the bytes remaining still bound the allocation.
    {
        Writer w;
        w.VarInt(std::numeric_limits<uint64_t>::max());
        w.Raw(Bytes{1, 2, 3});
        Reader r(w.Data());
        Bytes out;
        BOOST_CHECK(!r.Bytes(out, std::numeric_limits<uint64_t>::max(), "blob"));
        BOOST_CHECK_EQUAL(out.capacity(), 0u);
        BOOST_CHECK_MESSAGE(Contains(r.GetError().message, "truncated"), r.GetError().message);
    }
    // Exactly at the limit is accepted.
    {
        Writer w;
        w.Bytes(Bytes(1000, 0x5a));
        Reader r(w.Data());
        Bytes out;
        BOOST_CHECK(r.Bytes(out, 1000, "script"));
        BOOST_CHECK(out == Bytes(1000, 0x5a));
        BOOST_CHECK(r.Finish());
    }
    // One above is not, even though the bytes are present.
    {
        Writer w;
        w.Bytes(Bytes(1001, 0x5a));
        Reader r(w.Data());
        Bytes out;
        BOOST_CHECK(!r.Bytes(out, 1000, "script"));
        BOOST_CHECK(out.empty());
    }
}

BOOST_AUTO_TEST_CASE(count_limit) {
    Writer w;
    w.VarInt(5);
    w.VarInt(50000);
    {
        Reader r(w.Data());
        uint64_t n = 0;
        BOOST_CHECK(r.Count(n, 5, "inputs"));
        BOOST_CHECK_EQUAL(n, 5u);
        uint64_t m = 9;
        BOOST_CHECK(!r.Count(m, 49999, "outputs"));
        BOOST_CHECK_EQUAL(m, 9u);
        const std::string msg = r.GetError().message;
        BOOST_CHECK_MESSAGE(Contains(msg, "outputs") && Contains(msg, "count 50000") &&
                                Contains(msg, "exceeds limit 49999"),
                            msg);
    }
}

BOOST_AUTO_TEST_CASE(finish_rejects_trailing_bytes) {
    const Bytes data{1, 2, 3, 4, 5, 6};
    Reader r(data);
    uint32_t v = 0;
    BOOST_CHECK(r.U32(v, "version"));
    BOOST_CHECK_EQUAL(v, 0x04030201u);
    BOOST_CHECK_EQUAL(r.Remaining(), 2u);
    BOOST_CHECK(!r.Finish());
    BOOST_CHECK(!r.ok());
    const Error err = r.GetError();
    BOOST_CHECK_EQUAL(err.code, "decode-error");
    BOOST_CHECK_MESSAGE(
        Contains(err.message, "2 trailing bytes") && Contains(err.message, "at byte 4"),
        err.message);

    const Bytes none;
    Reader empty(none);
    BOOST_CHECK(empty.Finish());
    BOOST_CHECK(empty.ok());
}

BOOST_AUTO_TEST_CASE(first_error_sticks_with_field_and_offset) {
    // version (u32) ok, then "amount" (u64) has only 3 bytes.
    const Bytes data{1, 0, 0, 0, 9, 9, 9};
    Reader r(data);
    uint32_t version = 0;
    BOOST_CHECK(r.U32(version, "version"));
    uint64_t amount = 42;
    BOOST_CHECK(!r.U64(amount, "amount"));
    BOOST_CHECK_EQUAL(amount, 42u);
    const std::string first = r.GetError().message;
    BOOST_CHECK_MESSAGE(Contains(first, "amount") && Contains(first, "at byte 4"), first);

    // Later reads fail even though they would fit, and leave outputs alone.
    uint8_t b = 42;
    BOOST_CHECK(!r.U8(b, "flag"));
    BOOST_CHECK_EQUAL(b, 42);
    uint64_t vi = 42;
    BOOST_CHECK(!r.VarInt(vi, "count"));
    BOOST_CHECK_EQUAL(vi, 42u);
    Bytes bytes{42};
    BOOST_CHECK(!r.Bytes(bytes, 10, "blob"));
    BOOST_CHECK(bytes == Bytes{42});
    uint64_t n = 42;
    BOOST_CHECK(!r.Count(n, 10, "n"));
    BOOST_CHECK_EQUAL(n, 42u);
    BOOST_CHECK(!r.Fail("kind", "unknown"));
    BOOST_CHECK(!r.Finish());
    BOOST_CHECK_EQUAL(r.Position(), 4u);
    BOOST_CHECK_EQUAL(r.GetError().message, first);
    BOOST_CHECK_EQUAL(r.GetError().code, "decode-error");
}

BOOST_AUTO_TEST_CASE(semantic_fail_records_offset) {
    const Bytes data{7, 0};
    Reader r(data);
    uint8_t kind = 0;
    BOOST_CHECK(r.U8(kind, "kind"));
    BOOST_CHECK(!r.Fail("kind", "unknown type 7"));
    BOOST_CHECK(!r.ok());
    BOOST_CHECK_EQUAL(r.GetError().message, "kind: unknown type 7 (at byte 1)");
}

BOOST_AUTO_TEST_CASE(bytes_error_offsets) {
    // A bad length varint after a u8: offset of the varint start.
    {
        const Bytes data{0xee, 0x80, 0x00};
        Reader r(data);
        uint8_t tag = 0;
        BOOST_CHECK(r.U8(tag, "tag"));
        Bytes out;
        BOOST_CHECK(!r.Bytes(out, 100, "payload"));
        const std::string msg = r.GetError().message;
        BOOST_CHECK_MESSAGE(
            Contains(msg, "payload") && Contains(msg, "non-minimal") && Contains(msg, "at byte 1"),
            msg);
    }
}

BOOST_AUTO_TEST_SUITE_END()
