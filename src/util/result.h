// Result<T>: a value or an error message, returned across module boundaries
// instead of throwing. An error carries a short machine-readable code (stable,
// used by RPC and tests) and a human sentence that tells the caller what to fix.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace maillon {

struct Error {
    std::string code;     // stable identifier, e.g. "bad-nonce"
    std::string message;  // what went wrong and what to do about it
};

inline Error MakeError(std::string code, std::string message) {
    return Error{std::move(code), std::move(message)};
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

}  // namespace maillon
