#include "server/config.h"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace minsheng::server {
namespace {

using Setter = std::function<absl::Status(ServeConfig&, const std::string&)>;

using Field = std::string ServeConfig::*;

std::string FlagName(absl::string_view key) {
  std::string flag(key);
  for (char& ch : flag) {
    if (ch == '_') ch = '-';
  }
  return flag;
}

// Any text, or only non-empty text.
Setter Text(Field field, bool required = false, absl::string_view key = "") {
  return [field, required, flag = FlagName(key)](ServeConfig& c, const std::string& v) {
    if (required && v.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(flag, ": must not be empty"));
    }
    c.*field = v;
    return absl::OkStatus();
  };
}

// host:port; an optional address may also be empty (the feature is off).
Setter Address(Field field, absl::string_view key, bool optional = false) {
  return [field, optional, flag = FlagName(key)](ServeConfig& c, const std::string& v) {
    if (!(optional && v.empty()) && !absl::StrContains(v, ':')) {
      return absl::InvalidArgumentError(absl::StrCat(flag, ": expected host:port, got ", v));
    }
    c.*field = v;
    return absl::OkStatus();
  };
}

// One table for flags and YAML keys, so the two can never drift apart.
const std::map<std::string, Setter>& Setters() {
  static const auto* setters = new std::map<std::string, Setter>{
      {"data_dir", Text(&ServeConfig::data_dir, /*required=*/true, "data_dir")},
      {"kafka_brokers", Text(&ServeConfig::kafka_brokers)},
      {"grpc_listen", Address(&ServeConfig::grpc_listen, "grpc_listen")},
      {"kafka_replication_factor",
       [](ServeConfig& c, const std::string& v) {
         if (!absl::SimpleAtoi(v, &c.kafka_replication_factor) || c.kafka_replication_factor == 0 ||
             c.kafka_replication_factor < -1) {
           return absl::InvalidArgumentError(
               absl::StrCat("kafka-replication-factor: expected -1 or a positive count, got ", v));
         }
         return absl::OkStatus();
       }},
      {"personal_data_key_file", Text(&ServeConfig::personal_data_key_file)},
      {"wechat_listen", Address(&ServeConfig::wechat_listen, "wechat_listen")},
      {"wechat_token", Text(&ServeConfig::wechat_token)},
      {"wechat_aes_key",
       [](ServeConfig& c, const std::string& v) {
         if (!v.empty() && v.size() != 43) {
           return absl::InvalidArgumentError(
               "wechat-aes-key: the EncodingAESKey has 43 characters");
         }
         c.wechat_aes_key = v;
         return absl::OkStatus();
       }},
      {"wechat_appid", Text(&ServeConfig::wechat_appid)},
      {"wechat_assembly_window",
       [](ServeConfig& c, const std::string& v) {
         if (!absl::ParseDuration(v, &c.wechat_assembly_window) ||
             c.wechat_assembly_window < absl::ZeroDuration()) {
           return absl::InvalidArgumentError(
               absl::StrCat("wechat-assembly-window: expected a duration such as 10m, got ", v));
         }
         return absl::OkStatus();
       }},
      {"mqtt_broker", Address(&ServeConfig::mqtt_broker, "mqtt_broker", /*optional=*/true)},
      {"mqtt_topic", Text(&ServeConfig::mqtt_topic, /*required=*/true, "mqtt_topic")},
      {"sensor_registry", Text(&ServeConfig::sensor_registry)},
      {"sensor_rules", Text(&ServeConfig::sensor_rules)},
      {"taxonomy", Text(&ServeConfig::taxonomy, /*required=*/true, "taxonomy")},
      {"classifier_model",
       Text(&ServeConfig::classifier_model, /*required=*/true, "classifier_model")},
      {"triage_threshold",
       [](ServeConfig& c, const std::string& v) {
         if (!absl::SimpleAtod(v, &c.triage_threshold) || !(c.triage_threshold >= 0) ||
             c.triage_threshold > 1) {
           return absl::InvalidArgumentError(
               absl::StrCat("triage-threshold: expected a confidence from 0 to 1, got ", v));
         }
         return absl::OkStatus();
       }},
      {"working_calendar",
       Text(&ServeConfig::working_calendar, /*required=*/true, "working_calendar")},
      {"city_areas", Text(&ServeConfig::city_areas, /*required=*/true, "city_areas")},
      {"city_gazetteer", Text(&ServeConfig::city_gazetteer, /*required=*/true, "city_gazetteer")},
      {"routing_rules", Text(&ServeConfig::routing_rules, /*required=*/true, "routing_rules")},
      {"sync_writes",
       [](ServeConfig& c, const std::string& v) {
         if (!absl::SimpleAtob(v, &c.sync_writes)) {
           return absl::InvalidArgumentError(
               absl::StrCat("sync-writes: expected true or false, got ", v));
         }
         return absl::OkStatus();
       }},
  };
  return *setters;
}

std::string FlagToKey(std::string flag) {
  for (char& ch : flag) {
    if (ch == '-') ch = '_';
  }
  return flag;
}

absl::Status LoadYaml(const std::string& path, ServeConfig& config) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("config ", path, ": ", e.what()));
  }
  if (root.IsNull()) return absl::OkStatus();
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat("config ", path, ": expected a mapping"));
  }
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    auto setter = Setters().find(key);
    if (setter == Setters().end()) {
      return absl::InvalidArgumentError(absl::StrCat("config ", path, ": unknown key ", key));
    }
    if (!entry.second.IsScalar()) {
      return absl::InvalidArgumentError(
          absl::StrCat("config ", path, ": ", key, " must be a single value"));
    }
    if (absl::Status s = setter->second(config, entry.second.Scalar()); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("config ", path, ": ", s.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ServeConfig> ParseServeConfig(const std::vector<std::string>& args) {
  std::optional<std::string> config_path;
  std::vector<std::pair<std::string, std::string>> flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!absl::StartsWith(arg, "--")) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument ", arg));
    }
    std::string name = arg.substr(2), value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--", name, ": missing value"));
    }
    if (name == "config") {
      config_path = value;
    } else if (!Setters().contains(FlagToKey(name))) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    } else {
      flags.emplace_back(FlagToKey(name), value);
    }
  }
  ServeConfig config;
  const std::string deploy = MINSHENG_DEPLOY_DIR;
  config.taxonomy = deploy + "/taxonomy.yaml";
  config.classifier_model = deploy + "/model/complaints.model";
  config.working_calendar = deploy + "/calendar/cn-2025-2026.yaml";
  config.city_areas = deploy + "/city/areas.geojson";
  config.city_gazetteer = deploy + "/city/gazetteer.yaml";
  config.routing_rules = deploy + "/city/routing.yaml";
  if (config_path) {
    if (absl::Status s = LoadYaml(*config_path, config); !s.ok()) return s;
  }
  for (const auto& [key, value] : flags) {
    if (absl::Status s = Setters().at(key)(config, value); !s.ok()) return s;
  }
  return config;
}

std::string ServeUsage() {
  return R"(usage: minsheng serve [flags]
  --config FILE                  YAML file with any of the keys below (flags win)
  --data-dir DIR                 RocksDB state and endpoints.json (default ./var)
  --kafka-brokers LIST           bootstrap servers of a real cluster; empty = embedded broker
  --grpc-listen HOST:PORT        gRPC address (default 127.0.0.1:7120; port 0 picks a free one)
  --kafka-replication-factor N   for topics minsheng creates (default -1 = broker default)
  --sync-writes true|false       fsync every state commit (default true)
  --personal-data-key-file FILE  key sealing phone numbers and openids (default
                                 <data-dir>/secrets/personal-data.key, created if missing)
  --wechat-listen HOST:PORT      WeChat server URL address, path /wechat (default 127.0.0.1:7121)
  --wechat-token TOKEN           the official account's Token; WeChat is off without it
  --wechat-aes-key KEY           its EncodingAESKey (43 characters), for safe mode
  --wechat-appid APPID           its AppID, checked in safe mode
  --wechat-assembly-window DUR   messages of one person this close form one complaint (10m)
  --mqtt-broker HOST:PORT        MQTT broker of the sensor gateways; MQTT is off without it
  --mqtt-topic FILTER            topic filter to subscribe (default minsheng/sensors/#)
  --sensor-registry FILE         CSV of installed sensors: device_id,kind,lat,lon,site
  --sensor-rules FILE            YAML threshold rules replacing the defaults per kind
  --taxonomy FILE                categories, departments, deadlines, merge limits; re-read
                                 when it changes (default: the shipped deploy/taxonomy.yaml)
  --classifier-model FILE        text classifier from `minsheng train`, or none for keywords
                                 only (default: the shipped deploy/model/complaints.model)
  --triage-threshold P           cases classified with less confidence go to NEEDS_TRIAGE
                                 (default 0.5)
  --working-calendar FILE        working hours, holidays and 调休 days for deadlines
                                 (default deploy/calendar/cn-2025-2026.yaml)
  --city-areas FILE[,FILE...]    GeoJSON boundaries of districts, streets, communities, grids
                                 (one file, or several, e.g. one a level)
  --city-gazetteer FILE          place names and aliases -> areas, for reports without
                                 coordinates
  --routing-rules FILE           category x area -> lead, assisting departments, deadline
                                 (defaults: the example city "A市" in deploy/city/)
YAML keys: the flag names with _ instead of -, e.g. data_dir, wechat_token
)";
}

}  // namespace minsheng::server
