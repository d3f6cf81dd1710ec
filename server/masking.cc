#include "server/masking.h"

namespace minsheng::server {

std::string MaskPhone(absl::string_view phone) {
  std::string masked(phone);
  if (masked.size() >= 8) {
    for (size_t i = 3; i + 4 < masked.size(); ++i) masked[i] = '*';
  } else {
    for (size_t i = 0; i + 2 < masked.size(); ++i) masked[i] = '*';
  }
  return masked;
}

v1::Case ForDisplay(v1::Case c) {
  if (!c.complaint().caller_phone().empty()) {
    c.mutable_complaint()->set_caller_phone(MaskPhone(c.complaint().caller_phone()));
  }
  return c;
}

}  // namespace minsheng::server
