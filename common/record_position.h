#ifndef MINSHENG_COMMON_RECORD_POSITION_H_
#define MINSHENG_COMMON_RECORD_POSITION_H_

#include <cstdint>
#include <string>

namespace minsheng {

// Where a record sits in Kafka.
struct RecordPosition {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
};

}  // namespace minsheng

#endif  // MINSHENG_COMMON_RECORD_POSITION_H_
