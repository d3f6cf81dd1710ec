#ifndef MINSHENG_INGEST_JSON_FIELDS_H_
#define MINSHENG_INGEST_JSON_FIELDS_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "minsheng/v1/complaint.pb.h"

namespace minsheng::ingest {

// Readers of the JSON contracts' fields, so every channel words its rejections alike: the message
// starts with the field at fault ("content: missing", "lat: must be a number").
absl::Status FieldError(absl::string_view field, absl::string_view reason);
// JSON null counts as absent.
absl::StatusOr<std::optional<std::string>> OptionalString(const nlohmann::json& object,
                                                          absl::string_view field);
// Present, a string, and not blank.
absl::StatusOr<std::string> RequiredString(const nlohmann::json& object, absl::string_view field);
absl::StatusOr<std::optional<double>> OptionalNumber(const nlohmann::json& object,
                                                     absl::string_view field);
// Optional "lat"/"lon": both or neither, within range.
absl::StatusOr<std::optional<v1::GeoPoint>> OptionalLocation(const nlohmann::json& object);

}  // namespace minsheng::ingest

#endif  // MINSHENG_INGEST_JSON_FIELDS_H_
