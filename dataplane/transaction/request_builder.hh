#pragma once
// Requests a transaction layer or proxy builds from a request it sent earlier:
// the ACK for a non-2xx final response (§17.1.1.3) and a CANCEL (§9.1). Both copy
// Request-URI, top Via, Route set, From, Call-ID and CSeq number from the original;
// the ACK takes To from the response (it carries the UAS tag). Caller buffers only.

#include "common/result.hh"
#include "parser/message_writer.hh"
#include "sip/message_view.hh"

#include <cstddef>

namespace sipedge::txn {

// response: the final response being acknowledged (its To is used).
result<std::size_t, parser::write_error_code> build_ack(const sip::message_view& request,
                                                        const sip::message_view& response,
                                                        char* out, std::size_t capacity);

result<std::size_t, parser::write_error_code> build_cancel(const sip::message_view& request,
                                                           char* out, std::size_t capacity);

} // namespace sipedge::txn
