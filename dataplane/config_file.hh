#pragma once
// The dataplane's part of sipedge's one TOML configuration file: the
// [dataplane] and [proxy] tables and the [[route]], [[host]] and [[contact]]
// arrays (config/sipedge.example.toml shows every key). Other top-level tables
// belong to sipedge-control and are left to it. Start-up code: it may allocate
// and reports the first error as "FILE:LINE:COL: KEY: what is wrong".

#include "dataplane/options.hh"

#include <string>

namespace sipedge::dataplane {

// Fills `o` from the file; returns "" on success or the error line.
std::string load_config_file(const std::string& path, options& o);

} // namespace sipedge::dataplane
