// Canonical binary serialization.
//
// Encoding rules (doc/protocol.md is the normative description):
//  - fixed-width integers are little-endian (u8, u32, u64);
//  - lengths and counts are unsigned LEB128 varints, at most 10 bytes, and
//    must be minimal (no trailing 0x80 groups, no value above 2^64-1);
//  - byte strings are a varint length followed by the bytes;
//  - fixed-size byte arrays (hashes, keys, signatures) are written raw.
//
// Writer appends to an owned buffer and never fails. Reader walks a borrowed
// span; the first failure sticks, records the byte offset and the field, and
// makes every later read fail, so decoders can read a whole structure and
// check once. Every length is checked against the caller's limit and against
// the bytes remaining *before* anything is allocated.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "util/result.h"

namespace maillon {

class Writer {
public:
    void U8(uint8_t v) { m_buf.push_back(v); }
    void U32(uint32_t v);
    void U64(uint64_t v);
    void VarInt(uint64_t v);
    void Raw(std::span<const uint8_t> bytes);
    void Bytes(std::span<const uint8_t> bytes)  // length-prefixed
    {
        VarInt(bytes.size());
        Raw(bytes);
    }

    const std::vector<uint8_t>& Data() const { return m_buf; }
    std::vector<uint8_t> Take() { return std::move(m_buf); }

private:
    std::vector<uint8_t> m_buf;
};

class Reader {
public:
    explicit Reader(std::span<const uint8_t> data) : m_data(data) {}
    // The span is borrowed: reading from a temporary would dangle.
    explicit Reader(std::vector<uint8_t>&&) = delete;

    // Each returns false (and leaves out unchanged) once any read has failed.
    bool U8(uint8_t& out, const char* field);
    bool U32(uint32_t& out, const char* field);
    bool U64(uint64_t& out, const char* field);
    bool VarInt(uint64_t& out, const char* field);
    // A count (list length) bounded by max; the caller allocates afterwards.
    bool Count(uint64_t& out, uint64_t max, const char* field);
    bool Bytes(std::vector<uint8_t>& out, uint64_t max_len, const char* field);
    // Bytes() without the copy: `out` views this Reader's data.
    bool BytesView(std::span<const uint8_t>& out, uint64_t max_len, const char* field);
    template <size_t N>
    bool Array(std::array<uint8_t, N>& out, const char* field) {
        return RawInto(out.data(), N, field);
    }

    // Fails unless every byte was consumed; the error (field `field`) gives
    // the number of trailing bytes and the offset of the first one.
    bool Finish(const char* field = "end");
    // Records a semantic error (e.g. unknown type) at the current offset, or
    // at `pos` (FailAt: the start of a field already read, so that the offset
    // names the bad field rather than the one after it).
    bool Fail(const char* field, const std::string& what);
    bool FailAt(size_t pos, const char* field, const std::string& what);
    // Takes over the failure of `inner`, a Reader over a part of this one's
    // data that starts at offset `base` (a nested encoding such as a
    // transaction payload): the error names inner's field and the offset in
    // this Reader's data. Returns inner.ok().
    bool Adopt(const Reader& inner, size_t base);

    bool ok() const { return !m_failed; }
    size_t Remaining() const { return m_data.size() - m_pos; }
    size_t Position() const { return m_pos; }
    // The bytes between two positions already read (from <= to <= Position()).
    std::span<const uint8_t> Slice(size_t from, size_t to) const {
        return m_data.subspan(from, to - from);
    }
    // The recorded error: code "decode-error", message names field and offset.
    Error GetError() const;

private:
    bool RawInto(uint8_t* out, size_t n, const char* field);

    std::span<const uint8_t> m_data;
    size_t m_pos = 0;
    bool m_failed = false;
    std::string m_error_field;
    std::string m_error_what;
    size_t m_error_pos = 0;
};

}  // namespace maillon
