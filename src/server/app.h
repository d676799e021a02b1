// server/app.h
//
// The composition root: the only code that names concrete implementations (SQLite, the
// filesystem blob store). Run() builds everything from the Config, serves until SIGTERM or
// SIGINT, drains in-flight requests and returns the process exit code.
#pragma once

#include "server/config.h"

namespace berth::server {

int Run(const Config& config);

}  // namespace berth::server
