// File: tools/inlinks_keys.h
//
// Owns: the `inlinks keys ...` subcommand (API keys and credits, stored in the
// index database; see query/keys.h and docs/api.md).
// Thread safety: call from main only.
#pragma once

#include <string>
#include <vector>

// Runs `inlinks keys SUBCOMMAND ...`; `args` are the words after "keys".
// Returns the process exit code (0 ok, 1 failure, 2 usage).
int RunKeysCommand(std::vector<std::string> args);
