#pragma once
// Per-lcore state of the dialogs whose session timer this proxy enforces (RFC 4028
// §8.3, §10): Call-ID, both tags, From/To, both remote targets and addresses, the
// route set each way, the interval, refresher and deadline. Enough to send a BYE to
// each end when the session expires.
//
// Fixed capacity, allocated once (untouched pages stay unmapped until used); no
// allocation afterwards. A dialog is one 448-byte record (7 cache lines) whose
// strings live in its own text area; the index is open addressing with linear
// probing over 4-byte slots at load <= 1/2, deleted by backward shift (no
// tombstones). Lookup is symmetric in the two tags, so requests from either end find
// the dialog. Single-threaded: the owning lcore only.

#include "dataplane/timer/timer_wheel.hh"
#include "dataplane/transaction/types.hh"
#include "parser/session_timer.hh"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace sipedge::proxy {

enum class dialog_text : std::uint8_t {
    call_id,
    caller_tag,
    callee_tag,
    from,            // the caller's From value (tag included)
    to,              // the callee's To value (tag included)
    caller_target,   // caller's Contact URI (or its From URI)
    callee_target,   // callee's Contact URI
    route_to_caller, // Route values towards the caller, ", "-joined ("" = none)
    route_to_callee,
    count
};

struct dialog {
    static constexpr std::size_t text_fields = static_cast<std::size_t>(dialog_text::count);

    std::uint64_t hash = 0;
    timer::tick_t deadline = 0; // wheel tick at which the session counts as gone
    timer::timer_handle timer{};
    std::uint32_t interval = 0; // negotiated Session-Expires, seconds
    std::uint32_t caller_cseq = 0;
    std::uint32_t callee_cseq = 0;
    std::uint32_t generation = 0; // tells a stale expiry timer from a reused record
    std::uint32_t next_free = 0;
    txn::endpoint caller_addr{}; // where requests towards the caller go (previous hop)
    txn::endpoint callee_addr{}; // where requests towards the callee go (next hop)
    txn::transport caller_tp = txn::transport::udp;
    txn::transport callee_tp = txn::transport::udp;
    parser::refresher refresher = parser::refresher::none;
    bool in_use = false;
    std::array<std::uint16_t, text_fields> len{};
    char text[344]; // the fields above take 104 bytes

    std::string_view get(dialog_text f) const;
};
static_assert(sizeof(dialog) == 448, "keep a dialog at 7 cache lines");

// What a new dialog is made of (views into the 2xx and its request).
struct dialog_init {
    std::array<std::string_view, dialog::text_fields> text{};
    txn::endpoint caller_addr{}, callee_addr{};
    txn::transport caller_tp = txn::transport::udp, callee_tp = txn::transport::udp;
    std::uint32_t caller_cseq = 0;
};

// For a status view (sipedgectl dialogs): one dialog, copied out.
struct dialog_sample {
    char call_id[64];
    std::uint8_t call_id_length; // truncated to 64
    std::uint32_t interval;
    parser::refresher refresher;
    std::uint32_t seconds_left; // until the proxy counts the session as gone
};

class dialog_table {
public:
    static constexpr std::uint32_t none = 0xffffffffu;
    enum class insert_error : std::uint8_t { full, too_large };

    // capacity >= 1. Allocates everything now.
    explicit dialog_table(std::uint32_t capacity);

    // Index of the dialog with this Call-ID and these two tags (either order), or none.
    std::uint32_t find(std::string_view call_id, std::string_view tag_a,
                       std::string_view tag_b) const;
    // A new dialog (not yet timed: the caller sets interval, timer, deadline).
    // none with why set when the table is full or the strings do not fit.
    std::uint32_t insert(const dialog_init& init, insert_error& why);
    // Frees the record (the caller has cancelled its timer).
    void erase(std::uint32_t index);

    dialog& at(std::uint32_t index) { return _dialogs[index]; }
    const dialog& at(std::uint32_t index) const { return _dialogs[index]; }
    std::uint32_t size() const { return _size; }
    std::uint32_t capacity() const { return _capacity; }
    std::size_t memory_bytes() const;

    // Fills out with up to out.size() dialogs (in table order, starting at record
    // `from`) and returns how many; seconds left from the wheel tick `now` with
    // ticks_per_second. Cheap: walks at most scan_limit records, no allocation;
    // *next (when given) is where a following call should start (0 after the end).
    std::size_t sample(std::span<dialog_sample> out, timer::tick_t now,
                       std::uint64_t ticks_per_second, std::uint32_t from = 0,
                       std::uint32_t scan_limit = 0xffffffffu,
                       std::uint32_t* next = nullptr) const;

    static std::uint64_t key_hash(std::string_view call_id, std::string_view tag_a,
                                  std::string_view tag_b);

private:
    struct free_deleter {
        void operator()(void* p) const;
    };
    bool matches(const dialog& d, std::string_view call_id, std::string_view tag_a,
                 std::string_view tag_b) const;

    std::uint32_t _capacity;
    std::uint32_t _size = 0;
    std::uint32_t _mask;        // slot count - 1
    std::uint32_t _free = none; // freed records
    std::uint32_t _fresh = 0;   // records never used: _fresh .. capacity-1
    std::unique_ptr<dialog[], free_deleter> _dialogs;
    std::unique_ptr<std::uint32_t[], free_deleter> _slots;
};

} // namespace sipedge::proxy
