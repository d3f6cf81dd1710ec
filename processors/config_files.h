#ifndef MINSHENG_PROCESSORS_CONFIG_FILES_H_
#define MINSHENG_PROCESSORS_CONFIG_FILES_H_

// Reading the YAML files a city edits (taxonomy, gazetteer, routing rules). Errors are
// InvalidArgument "<where>: <reason>", where `where` names the entry, e.g. "rules[2] (a7-roads)";
// an empty `where` gives the reason alone.

#include <yaml-cpp/yaml.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace minsheng::processors::config_files {

// The whole file at `path`: NotFound naming `what` ("gazetteer file") when it cannot be opened.
absl::StatusOr<std::string> ReadFile(const std::string& path, absl::string_view what);

// `status` with "<path>: " before its message (OK stays OK).
absl::Status WithPath(const absl::Status& status, absl::string_view path);

absl::Status Invalid(absl::string_view where, absl::string_view reason);

// Whether `id` can be a department id: ASCII letters, digits, '-' and '_'.
bool IsDepartmentId(absl::string_view id);

// Whether `node` holds a value (not absent, not `key:` without a value).
bool Present(const YAML::Node& node);

// A scalar, trimmed, not empty.
absl::StatusOr<std::string> NonEmptyString(const YAML::Node& node, absl::string_view where);

// A list of non-empty strings without duplicates; absent means empty.
absl::StatusOr<std::vector<std::string>> StringList(const YAML::Node& node,
                                                    absl::string_view where);

// The `lead` and `assisting` keys of `node`: a lead department and a list of assisting ones, each
// accepted by `check` (an error for an unknown department), none assisting and leading at once.
struct Departments {
  std::string lead;
  std::vector<std::string> assisting;
};
absl::StatusOr<Departments> ReadDepartments(
    const YAML::Node& node, absl::string_view where,
    const std::function<absl::Status(const std::string& id, absl::string_view where)>& check);

// An error naming the first key of `map` that is not in `allowed`.
absl::Status CheckKeys(const YAML::Node& map, const std::set<std::string>& allowed,
                       absl::string_view where);

}  // namespace minsheng::processors::config_files

#endif  // MINSHENG_PROCESSORS_CONFIG_FILES_H_
