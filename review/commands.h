// review/commands.h: the command-line side of reviewing.
//
//   intake users add NAME --role reviewer|supervisor   password from stdin (prompted without echo on a terminal)
//   intake audit --document ID                         every view and change of one document
//   intake report corrections                          per field: how often reviewers changed it
//
// Each returns the process exit code: 0 done, 1 refused or the ledger failed,
// 2 bad input (a password too short, an unknown role).
#pragma once

#include <filesystem>
#include <istream>
#include <ostream>
#include <string>

namespace intake {

/// `password_in` is read as one line; when `prompt` is true (standard input
/// is a terminal) the password is asked for twice with echo off.
int UsersAddCommand(const std::filesystem::path& store_path, const std::string& name, const std::string& role,
                    std::istream& password_in, bool prompt, std::ostream& out, std::ostream& err);

/// One line per audit row, oldest first: when, who, action, what, before -> after.
int AuditCommand(const std::filesystem::path& store_path, const std::string& document_id, std::ostream& out,
                 std::ostream& err);

/// A table per field; a change to a value read with at least
/// `high_confidence` is counted apart: those are the engine's harmful errors.
int CorrectionsReportCommand(const std::filesystem::path& store_path, double high_confidence, std::ostream& out,
                             std::ostream& err);

}  // namespace intake
