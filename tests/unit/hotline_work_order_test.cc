#include "ingest/hotline_work_order.h"

#include <gtest/gtest.h>

#include <string>

#include "ingest/utf8.h"

namespace minsheng::ingest {
namespace {

std::string Order(const std::string& more = "") {
  return R"({"work_order_id":"WO-1","received_at":"2025-03-01T09:30:00+08:00","content":"路灯不亮")" +
         more + "}";
}

void ExpectRejected(const std::string& json, const std::string& reason) {
  auto parsed = ParseHotlineWorkOrder(json);
  ASSERT_FALSE(parsed.ok()) << json;
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(parsed.status().message()).find(reason), std::string::npos)
      << parsed.status().message() << " lacks " << reason;
}

TEST(HotlineWorkOrderTest, MinimalOrderIsNormalized) {
  auto complaint = ParseHotlineWorkOrder(Order());
  ASSERT_TRUE(complaint.ok()) << complaint.status();
  EXPECT_EQ(complaint->channel(), v1::CHANNEL_HOTLINE);
  EXPECT_EQ(complaint->source_id(), "WO-1");
  EXPECT_EQ(complaint->content(), "路灯不亮");
  EXPECT_EQ(complaint->received_at().seconds(), 1740792600);
  EXPECT_EQ(complaint->received_utc_offset_seconds(), 28800);
  EXPECT_EQ(complaint->urgency(), v1::URGENCY_NORMAL);
  EXPECT_FALSE(complaint->has_location());
  EXPECT_TRUE(complaint->extra().empty());
}

TEST(HotlineWorkOrderTest, OptionalFieldsAndUnknownFieldsAreKept) {
  auto complaint = ParseHotlineWorkOrder(
      Order(R"(,"title":"路灯","caller_phone":"13812348000","caller_name":"李","address":"人民路",)"
            R"("lat":27.5,"lon":113.25,"urgency":"emergency","seat":{"id":7},"note":null)"));
  ASSERT_TRUE(complaint.ok()) << complaint.status();
  EXPECT_EQ(complaint->title(), "路灯");
  EXPECT_EQ(complaint->caller_phone(), "13812348000");
  EXPECT_EQ(complaint->caller_name(), "李");
  EXPECT_EQ(complaint->address(), "人民路");
  EXPECT_DOUBLE_EQ(complaint->location().lat(), 27.5);
  EXPECT_DOUBLE_EQ(complaint->location().lon(), 113.25);
  EXPECT_EQ(complaint->urgency(), v1::URGENCY_EMERGENCY);
  EXPECT_EQ(complaint->extra().at("seat"), R"({"id":7})");
  EXPECT_EQ(complaint->extra().at("note"), "null");
}

TEST(HotlineWorkOrderTest, UrgencyAcceptsChineseGrades) {
  auto complaint = ParseHotlineWorkOrder(Order(R"(,"urgency":"紧急")"));
  ASSERT_TRUE(complaint.ok());
  EXPECT_EQ(complaint->urgency(), v1::URGENCY_URGENT);
}

TEST(HotlineWorkOrderTest, ReceivedAtTakesUtcAndFractions) {
  auto complaint = ParseHotlineWorkOrder(
      R"({"work_order_id":"W","received_at":"2025-03-01T01:30:00.250Z","content":"x"})");
  ASSERT_TRUE(complaint.ok()) << complaint.status();
  EXPECT_EQ(complaint->received_at().seconds(), 1740792600);
  EXPECT_EQ(complaint->received_at().nanos(), 250000000);
  EXPECT_EQ(complaint->received_utc_offset_seconds(), 0);

  complaint = ParseHotlineWorkOrder(
      R"({"work_order_id":"W","received_at":"2025-03-01T01:30:00-05:30","content":"x"})");
  ASSERT_TRUE(complaint.ok()) << complaint.status();
  EXPECT_EQ(complaint->received_utc_offset_seconds(), -(5 * 3600 + 30 * 60));
}

TEST(HotlineWorkOrderTest, BadInputIsRejectedNamingTheField) {
  ExpectRejected("not json", "work_order: not valid JSON");
  ExpectRejected("[]", "work_order: must be a JSON object");
  ExpectRejected(R"({"received_at":"2025-03-01T09:30:00Z","content":"x"})",
                 "work_order_id: missing");
  ExpectRejected(R"({"work_order_id":" ","received_at":"2025-03-01T09:30:00Z","content":"x"})",
                 "work_order_id: missing");
  ExpectRejected(R"({"work_order_id":7,"received_at":"2025-03-01T09:30:00Z","content":"x"})",
                 "work_order_id: must be a string");
  ExpectRejected(R"({"work_order_id":"W","received_at":"2025-03-01T09:30:00Z"})",
                 "content: missing");
  ExpectRejected(R"({"work_order_id":"W","content":"x"})", "received_at: missing");
  ExpectRejected(R"({"work_order_id":"W","received_at":"2025-03-01T09:30:00","content":"x"})",
                 "received_at: not an RFC 3339 time");
  ExpectRejected(R"({"work_order_id":"W","received_at":"yesterday","content":"x"})", "received_at");
  ExpectRejected(Order(R"(,"lat":"27")"), "lat: must be a number");
  ExpectRejected(Order(R"(,"lat":27)"), "lon: missing");
  ExpectRejected(Order(R"(,"lat":27,"lon":190)"), "lon: out of range");
  ExpectRejected(Order(R"(,"urgency":"now")"), "urgency: unknown value");
  ExpectRejected(Order(R"(,"caller_phone":13812348000)"), "caller_phone: must be a string");
  ExpectRejected(R"({"work_order_id":")" + std::string(200, 'x') +
                     R"(","received_at":"2025-03-01T09:30:00Z","content":"x"})",
                 "work_order_id: longer than 128 bytes");
}

TEST(HotlineWorkOrderTest, OversizedOrderIsRejectedWhole) {
  const std::string prefix =
      R"({"work_order_id":"W","received_at":"2025-03-01T09:30:00Z","content":")";
  const std::string suffix = R"("})";
  const size_t room = kMaxWorkOrderBytes - prefix.size() - suffix.size();
  EXPECT_TRUE(ParseHotlineWorkOrder(prefix + std::string(room, 'a') + suffix).ok());
  ExpectRejected(prefix + std::string(room + 1, 'a') + suffix, "work_order: too large");
}

TEST(HotlineWorkOrderTest, InvalidUtf8IsRejectedWithItsPosition) {
  std::string order = Order();
  order[order.find("路")] = '\xff';
  ExpectRejected(order, "work_order: invalid UTF-8 at byte");
}

TEST(WorkOrderJsonTest, SubmissionBecomesTheSameContractText) {
  v1::SubmitWorkOrderRequest request;
  request.set_work_order_id("RPC-1");
  request.set_received_at("2025-03-01T09:30:00+08:00");
  request.set_content("路灯不亮");
  request.set_caller_phone("13812348000");
  request.mutable_location()->set_lat(27.5);
  request.mutable_location()->set_lon(113.25);
  request.set_urgency(v1::URGENCY_EMERGENCY);
  (*request.mutable_extra())["seat"] = R"("A-17")";
  auto json = WorkOrderJson(request);
  ASSERT_TRUE(json.ok()) << json.status();
  auto complaint = ParseHotlineWorkOrder(*json);
  ASSERT_TRUE(complaint.ok()) << complaint.status();
  EXPECT_EQ(complaint->source_id(), "RPC-1");
  EXPECT_EQ(complaint->caller_phone(), "13812348000");
  EXPECT_DOUBLE_EQ(complaint->location().lat(), 27.5);
  EXPECT_EQ(complaint->urgency(), v1::URGENCY_EMERGENCY);
  EXPECT_EQ(complaint->extra().at("seat"), R"("A-17")");
  EXPECT_TRUE(complaint->title().empty());
}

TEST(WorkOrderJsonTest, ExtraThatIsNotJsonIsNamed) {
  v1::SubmitWorkOrderRequest request;
  (*request.mutable_extra())["seat"] = "A-17";
  auto json = WorkOrderJson(request);
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().message(), "extra.seat: not JSON text");
}

TEST(Utf8Test, FindsTheFirstMalformedByte) {
  EXPECT_EQ(FindInvalidUtf8("plain ascii"), std::nullopt);
  EXPECT_EQ(FindInvalidUtf8("民声 ✓ 😀"), std::nullopt);
  EXPECT_EQ(FindInvalidUtf8("ab\xc0\xafz"), 2u);       // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("\xe0\x80\xafz"), 0u);     // overlong 3-byte
  EXPECT_EQ(FindInvalidUtf8("a\xed\xa0\x80"), 1u);     // UTF-16 surrogate
  EXPECT_EQ(FindInvalidUtf8("\xf4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("ok\xe6\xb0"), 2u);        // truncated at the end
  EXPECT_EQ(FindInvalidUtf8("\xe6\x28\xb0"), 0u);      // bad continuation
  EXPECT_EQ(FindInvalidUtf8("\x80"), 0u);              // lone continuation
}

}  // namespace
}  // namespace minsheng::ingest
