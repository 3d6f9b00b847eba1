#pragma once
// A [[nodiscard]] value-or-error type: the fast path reports failures as values,
// never as exceptions (STYLE.md). Errors carry a code from the caller's own enum
// plus a static message, so building one never allocates.

#include <cassert>
#include <type_traits>
#include <utility>

namespace sipedge {

// An error: a code of the caller's enum and a static description.
template <typename Code>
struct error {
    Code code;
    const char* message = "";
};

template <typename Code>
error(Code, const char*) -> error<Code>;

template <typename T, typename Code>
class [[nodiscard]] result {
public:
    result(T value) : _ok(true) { ::new (&_storage.value) T(std::move(value)); }
    result(error<Code> err) : _ok(false) { ::new (&_storage.err) error<Code>(err); }

    result(const result& other) : _ok(other._ok) {
        if (_ok) {
            ::new (&_storage.value) T(other._storage.value);
        } else {
            ::new (&_storage.err) error<Code>(other._storage.err);
        }
    }
    result(result&& other) noexcept(std::is_nothrow_move_constructible_v<T>) : _ok(other._ok) {
        if (_ok) {
            ::new (&_storage.value) T(std::move(other._storage.value));
        } else {
            ::new (&_storage.err) error<Code>(other._storage.err);
        }
    }
    result& operator=(result other) noexcept(std::is_nothrow_move_constructible_v<T>) {
        this->~result();
        ::new (this) result(std::move(other));
        return *this;
    }
    ~result() {
        if (_ok) {
            _storage.value.~T();
        }
    }

    bool ok() const { return _ok; }
    explicit operator bool() const { return _ok; }

    // Preconditions: ok() for value(), !ok() for error_code()/message().
    T& value() & {
        assert(_ok);
        return _storage.value;
    }
    const T& value() const& {
        assert(_ok);
        return _storage.value;
    }
    T&& value() && {
        assert(_ok);
        return std::move(_storage.value);
    }
    T value_or(T fallback) const { return _ok ? _storage.value : fallback; }

    Code error_code() const {
        assert(!_ok);
        return _storage.err.code;
    }
    const char* message() const {
        assert(!_ok);
        return _storage.err.message;
    }
    const error<Code>& err() const {
        assert(!_ok);
        return _storage.err;
    }

private:
    union storage {
        storage() {}
        ~storage() {}
        T value;
        error<Code> err;
    } _storage;
    bool _ok;
};

// A result with no value: success or an error.
template <typename Code>
class [[nodiscard]] status {
public:
    status() = default;
    status(error<Code> err) : _ok(false), _err(err) {}

    static status success() { return {}; }

    bool ok() const { return _ok; }
    explicit operator bool() const { return _ok; }
    Code error_code() const {
        assert(!_ok);
        return _err.code;
    }
    const char* message() const {
        assert(!_ok);
        return _err.message;
    }

private:
    bool _ok = true;
    error<Code> _err{};
};

} // namespace sipedge
