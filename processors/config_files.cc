#include "processors/config_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace minsheng::processors::config_files {

absl::StatusOr<std::string> ReadFile(const std::string& path, absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", what, " ", path));
  // A directory opens, and reads as an empty file: that would be an empty city.
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return absl::InvalidArgumentError(absl::StrCat(what, " ", path, " is a directory"));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", what, " ", path));
  return buffer.str();
}

absl::Status WithPath(const absl::Status& status, absl::string_view path) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(path, ": ", status.message()));
}

absl::Status Invalid(absl::string_view where, absl::string_view reason) {
  if (where.empty()) return absl::InvalidArgumentError(reason);
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", reason));
}

bool IsDepartmentId(absl::string_view id) {
  return std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

bool Present(const YAML::Node& node) { return node.IsDefined() && !node.IsNull(); }

absl::StatusOr<std::string> NonEmptyString(const YAML::Node& node, absl::string_view where) {
  if (!Present(node)) return Invalid(where, "missing");
  if (!node.IsScalar()) return Invalid(where, "expected a string");
  std::string value(absl::StripAsciiWhitespace(node.Scalar()));
  if (value.empty()) return Invalid(where, "empty");
  return value;
}

absl::StatusOr<std::vector<std::string>> StringList(const YAML::Node& node,
                                                    absl::string_view where) {
  std::vector<std::string> values;
  if (!Present(node)) return values;
  if (!node.IsSequence()) return Invalid(where, "expected a list");
  std::set<std::string> seen;
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string item_where = absl::StrCat(where, "[", i, "]");
    absl::StatusOr<std::string> value = NonEmptyString(node[i], item_where);
    if (!value.ok()) return value.status();
    if (!seen.insert(*value).second) return Invalid(item_where, absl::StrCat("duplicate ", *value));
    values.push_back(*std::move(value));
  }
  return values;
}

absl::StatusOr<Departments> ReadDepartments(
    const YAML::Node& node, absl::string_view where,
    const std::function<absl::Status(const std::string& id, absl::string_view where)>& check) {
  Departments departments;
  const std::string lead_where = absl::StrCat(where, ": lead");
  absl::StatusOr<std::string> lead = NonEmptyString(node["lead"], lead_where);
  if (!lead.ok()) return lead.status();
  if (absl::Status s = check(*lead, lead_where); !s.ok()) return s;
  departments.lead = *std::move(lead);

  const std::string assisting_where = absl::StrCat(where, ": assisting");
  absl::StatusOr<std::vector<std::string>> assisting =
      StringList(node["assisting"], assisting_where);
  if (!assisting.ok()) return assisting.status();
  for (size_t i = 0; i < assisting->size(); ++i) {
    const std::string entry_where = absl::StrCat(assisting_where, "[", i, "]");
    const std::string& id = (*assisting)[i];
    if (absl::Status s = check(id, entry_where); !s.ok()) return s;
    if (id == departments.lead) {
      return Invalid(entry_where, absl::StrCat(id, " is already the lead"));
    }
  }
  departments.assisting = *std::move(assisting);
  return departments;
}

absl::Status CheckKeys(const YAML::Node& map, const std::set<std::string>& allowed,
                       absl::string_view where) {
  for (const auto& entry : map) {
    const std::string key = entry.first.as<std::string>();
    if (allowed.count(key) == 0) {
      return Invalid(where, absl::StrCat("unknown key ", key, " (expected one of ",
                                         absl::StrJoin(allowed, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace minsheng::processors::config_files
