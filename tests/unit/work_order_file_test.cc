#include "ingest/work_order_file.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace minsheng::ingest {
namespace {

using Json = nlohmann::json;

std::vector<FileRow> ReadAll(std::string bytes, FileFormat format, FileMapping mapping = {},
                             FileEncoding encoding = FileEncoding::kAuto) {
  auto file = WorkOrderFile::FromBytes(std::move(bytes), format, encoding, std::move(mapping));
  EXPECT_TRUE(file.ok()) << file.status();
  std::vector<FileRow> rows;
  while (auto row = file->Next()) rows.push_back(*std::move(row));
  EXPECT_DOUBLE_EQ(file->progress(), 1.0);
  return rows;
}

Json Order(const FileRow& row) {
  EXPECT_TRUE(row.json.ok()) << "line " << row.line << ": " << row.json.status();
  return Json::parse(row.json.ok() ? *row.json : "{}");
}

TEST(WorkOrderFileTest, JsonlRowsKeepLineNumbersAndUnknownKeys) {
  auto rows = ReadAll(
      "{\"work_order_id\":\"A\",\"content\":\"x\",\"seat\":7}\n\n"
      "not json\n[1]\r\n{\"work_order_id\":\"B\"}",
      FileFormat::kJsonl);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].line, 1);
  EXPECT_EQ(Order(rows[0])["seat"], 7);
  EXPECT_EQ(rows[1].line, 3);
  EXPECT_EQ(rows[1].json.status().message(), "line: not valid JSON");
  EXPECT_EQ(rows[2].line, 4);
  EXPECT_EQ(rows[2].json.status().message(), "line: not a JSON object");
  EXPECT_EQ(rows[3].line, 5);
  EXPECT_EQ(Order(rows[3])["work_order_id"], "B");
}

TEST(WorkOrderFileTest, MessageBoardPresetMapsFieldsAndLocalTimes) {
  auto mapping = PresetMapping("tipdm-message-board");
  ASSERT_TRUE(mapping.ok());
  auto rows = ReadAll(
      R"({"id":"188006","user":"A000102948","title":"T","time":"2019/2/28 11:25:05","text":"内容"})"
      "\n"
      R"({"id":"188007","time":"43678","text":"x"})"
      "\n"
      R"({"id":"188008","time":43782.5,"text":"x"})"
      "\n"
      R"({"id":"188009","time":"yesterday","text":"x"})",
      FileFormat::kJsonl, *mapping);
  ASSERT_EQ(rows.size(), 4u);
  Json first = Order(rows[0]);
  EXPECT_EQ(first["work_order_id"], "188006");
  EXPECT_EQ(first["content"], "内容");
  EXPECT_EQ(first["received_at"], "2019-02-28T11:25:05+08:00");
  EXPECT_EQ(first["title"], "T");
  EXPECT_EQ(first["user"], "A000102948");  // kept as an extra field
  EXPECT_FALSE(first.contains("text"));
  // Spreadsheet serial dates, as some rows of that export hold.
  EXPECT_EQ(Order(rows[1])["received_at"], "2019-08-01T00:00:00+08:00");
  EXPECT_EQ(Order(rows[2])["received_at"], "2019-11-13T12:00:00+08:00");
  EXPECT_NE(std::string(rows[3].json.status().message()).find("received_at: \"yesterday\""),
            std::string::npos);
}

TEST(WorkOrderFileTest, MapRenamesAndKeepsACollidingColumn) {
  FileMapping mapping;
  ASSERT_TRUE(ParseFieldMap("content=body, work_order_id=no", mapping).ok());
  auto rows = ReadAll(R"({"no":"1","body":"b","content":"old"})", FileFormat::kJsonl, mapping);
  Json order = Order(rows.at(0));
  EXPECT_EQ(order["work_order_id"], "1");
  EXPECT_EQ(order["content"], "b");
  EXPECT_EQ(order["content_original"], "old");
  EXPECT_FALSE(ParseFieldMap("content", mapping).ok());
  EXPECT_FALSE(ParseFieldMap("=text", mapping).ok());
}

TEST(WorkOrderFileTest, CsvQuotesLineBreaksAndColumnCounts) {
  auto rows = ReadAll(
      "work_order_id,received_at,content,lat,lon,note\r\n"
      "C-1,2025-03-01T09:30:00+08:00,\"他说：\"\"垃圾没人收\"\"，\n第二行\",27.5,113.25,\r\n"
      "\r\n"
      "C-2,2025-03-01T09:30:00+08:00,x\r\n"
      "C-3,2025-03-01T09:30:00+08:00,\"never closed,1,2,\r\n",
      FileFormat::kCsv);
  ASSERT_EQ(rows.size(), 3u);
  Json first = Order(rows[0]);
  EXPECT_EQ(rows[0].line, 2);
  EXPECT_EQ(first["content"], "他说：\"垃圾没人收\"，\n第二行");
  EXPECT_EQ(first["lat"], 27.5);         // numbers in CSV become numbers
  EXPECT_FALSE(first.contains("note"));  // an empty cell is an absent field
  EXPECT_EQ(rows[1].line, 5);
  EXPECT_EQ(rows[1].json.status().message(), "csv: 3 columns, the header has 6");
  EXPECT_EQ(rows[2].line, 6);
  EXPECT_EQ(rows[2].json.status().message(), "csv: quote opened on line 6 never closes");
}

TEST(WorkOrderFileTest, Gb18030IsDetectedAndDecoded) {
  const std::string gb18030 =
      "work_order_id,received_at,content,lat\r\n"
      "G-1,2025-03-01T09:30:00+08:00,\xc2\xb7\xb5\xc6\xb2\xbb\xc1\xc1,27.5\r\n";
  auto file = WorkOrderFile::FromBytes(gb18030, FileFormat::kCsv, FileEncoding::kAuto, {});
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_STREQ(file->encoding_name(), "GB18030");
  EXPECT_EQ(Order(*file->Next())["content"], "路灯不亮");
  // Told it is UTF-8, the same bytes are an error, not mojibake.
  auto strict = WorkOrderFile::FromBytes(gb18030, FileFormat::kCsv, FileEncoding::kUtf8, {});
  EXPECT_FALSE(strict.ok());
}

TEST(WorkOrderFileTest, Utf8ByteOrderMarkIsDropped) {
  auto rows = ReadAll("\xEF\xBB\xBFwork_order_id,content\nU-1,x\n", FileFormat::kCsv);
  EXPECT_EQ(Order(rows.at(0))["work_order_id"], "U-1");
}

TEST(WorkOrderFileTest, CsvWithoutHeaderIsAnError) {
  auto file = WorkOrderFile::FromBytes("", FileFormat::kCsv, FileEncoding::kAuto, {});
  EXPECT_FALSE(file.ok());
  EXPECT_FALSE(PresetMapping("no-such-preset").ok());
}

}  // namespace
}  // namespace minsheng::ingest
