#include "serialize/codec.h"

#include <cstring>

namespace maillon {

void Writer::U32(uint32_t v) {
    for (int i = 0; i < 4; ++i)
        m_buf.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void Writer::U64(uint64_t v) {
    for (int i = 0; i < 8; ++i)
        m_buf.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void Writer::Raw(std::span<const uint8_t> bytes) {
    // Out of line: inlined vector::insert after push_back trips GCC 12's
    // -Warray-bounds with a false positive.
    m_buf.insert(m_buf.end(), bytes.begin(), bytes.end());
}

void Writer::VarInt(uint64_t v) {
    while (v >= 0x80) {
        m_buf.push_back(static_cast<uint8_t>(v | 0x80));
        v >>= 7;
    }
    m_buf.push_back(static_cast<uint8_t>(v));
}

bool Reader::Fail(const char* field, const std::string& what) {
    return FailAt(m_pos, field, what);
}

bool Reader::FailAt(size_t pos, const char* field, const std::string& what) {
    if (m_failed) return false;
    m_failed = true;
    m_error_field = field;
    m_error_what = what;
    m_error_pos = pos;
    return false;
}

bool Reader::Adopt(const Reader& inner, size_t base) {
    if (inner.ok()) return true;
    if (m_failed) return false;
    m_failed = true;
    m_error_field = inner.m_error_field;
    m_error_what = inner.m_error_what;
    m_error_pos = base + inner.m_error_pos;
    return false;
}

Error Reader::GetError() const {
    return MakeError("decode-error", m_error_field + ": " + m_error_what + " (at byte " +
                                         std::to_string(m_error_pos) + ")");
}

bool Reader::RawInto(uint8_t* out, size_t n, const char* field) {
    if (m_failed) return false;
    if (Remaining() < n) {
        return Fail(field, "truncated: need " + std::to_string(n) + " bytes, " +
                               std::to_string(Remaining()) + " left");
    }
    if (n) std::memcpy(out, m_data.data() + m_pos, n);
    m_pos += n;
    return true;
}

bool Reader::U8(uint8_t& out, const char* field) {
    return RawInto(&out, 1, field);
}

bool Reader::U32(uint32_t& out, const char* field) {
    uint8_t b[4];
    if (!RawInto(b, 4, field)) return false;
    out = 0;
    for (int i = 0; i < 4; ++i)
        out |= static_cast<uint32_t>(b[i]) << (8 * i);
    return true;
}

bool Reader::U64(uint64_t& out, const char* field) {
    uint8_t b[8];
    if (!RawInto(b, 8, field)) return false;
    out = 0;
    for (int i = 0; i < 8; ++i)
        out |= static_cast<uint64_t>(b[i]) << (8 * i);
    return true;
}

bool Reader::VarInt(uint64_t& out, const char* field) {
    if (m_failed) return false;
    const size_t start = m_pos;
    uint64_t v = 0;
    for (int i = 0; i < 10; ++i) {
        if (m_pos >= m_data.size()) {
            m_pos = start;
            return Fail(field, "truncated varint");
        }
        const uint8_t b = m_data[m_pos++];
        const uint64_t bits = b & 0x7f;
        // The tenth group may carry only the top bit of a 64-bit value.
        if (i == 9 && bits > 1) {
            m_pos = start;
            return Fail(field, "varint exceeds 64 bits");
        }
        v |= bits << (7 * i);
        if (!(b & 0x80)) {
            if (b == 0 && i > 0) {
                m_pos = start;
                return Fail(field, "non-minimal varint encoding");
            }
            out = v;
            return true;
        }
    }
    m_pos = start;
    return Fail(field, "varint longer than 10 bytes");
}

bool Reader::Count(uint64_t& out, uint64_t max, const char* field) {
    const size_t start = m_pos;
    uint64_t n;
    if (!VarInt(n, field)) return false;
    if (n > max) {
        return FailAt(start, field,
                      "count " + std::to_string(n) + " exceeds limit " + std::to_string(max));
    }
    out = n;
    return true;
}

bool Reader::Bytes(std::vector<uint8_t>& out, uint64_t max_len, const char* field) {
    std::span<const uint8_t> view;
    if (!BytesView(view, max_len, field)) return false;
    out.assign(view.begin(), view.end());
    return true;
}

bool Reader::BytesView(std::span<const uint8_t>& out, uint64_t max_len, const char* field) {
    const size_t start = m_pos;
    uint64_t n;
    if (!VarInt(n, field)) return false;
    if (n > max_len) {
        return FailAt(start, field,
                      "length " + std::to_string(n) + " exceeds limit " + std::to_string(max_len));
    }
    if (n > Remaining()) {
        return FailAt(start, field,
                      "truncated: length " + std::to_string(n) + " but " +
                          std::to_string(Remaining()) + " bytes left");
    }
    out = m_data.subspan(m_pos, n);
    m_pos += n;
    return true;
}

bool Reader::Finish(const char* field) {
    if (m_failed) return false;
    if (Remaining() != 0) {
        return Fail(field, std::to_string(Remaining()) + " trailing bytes after the last field");
    }
    return true;
}

}  // namespace maillon
