// Result<T>: a value or an error message, returned across module boundaries
// instead of throwing. An error carries a category (what kind of failure it is,
// so that a caller can tell a bad block from a broken disk), a short
// machine-readable code (stable, used by RPC and tests) and a human sentence
// that tells the caller what to fix.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace maillon {

enum class ErrorKind : uint8_t {
    kInvalid,     // the input breaks a rule (a consensus reason code, a malformed argument)
    kPolicy,      // valid, but this node's local policy refuses it now (mempool limits)
    kNotFound,    // what was asked for does not exist
    kCorruption,  // stored data fails its own checks: the data directory is damaged
    kIo,          // the operating system or the database failed to read or write
};

// "invalid", "policy", "not-found", "corruption", "io".
const char* ErrorKindName(ErrorKind kind);

struct Error {
    ErrorKind kind = ErrorKind::kInvalid;
    std::string code;     // stable identifier, e.g. "bad-nonce"
    std::string message;  // what went wrong and what to do about it

    // Corruption and I/O errors mean the node's own storage cannot be trusted
    // or used; every other kind is about the request.
    bool IsStorageFailure() const {
        return kind == ErrorKind::kCorruption || kind == ErrorKind::kIo;
    }
};

// An error of kind kInvalid.
inline Error MakeError(std::string code, std::string message) {
    return Error{ErrorKind::kInvalid, std::move(code), std::move(message)};
}
inline Error MakeError(ErrorKind kind, std::string code, std::string message) {
    return Error{kind, std::move(code), std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_v(std::move(value)) {}
    Result(Error err) : m_v(std::move(err)) {}

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(m_v); }
    const T& value() const& { return std::get<0>(m_v); }
    T&& value() && { return std::get<0>(std::move(m_v)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { return std::get<1>(m_v); }

private:
    std::variant<T, Error> m_v;
};

// Status: success or an Error, for operations without a value.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error err) : m_err(std::move(err)) {}
    static Status Ok() { return Status(); }

    bool ok() const { return !m_err.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return *m_err; }

private:
    std::optional<Error> m_err;
};

inline const char* ErrorKindName(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::kInvalid:
            return "invalid";
        case ErrorKind::kPolicy:
            return "policy";
        case ErrorKind::kNotFound:
            return "not-found";
        case ErrorKind::kCorruption:
            return "corruption";
        case ErrorKind::kIo:
            return "io";
    }
    return "invalid";
}

}  // namespace maillon
