// The HTML report; see html_report.h.
#include "viz/html_report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "viz/race_diagram.h"

namespace mmcheck {

std::string HtmlEscape(absl::string_view s) {
  return absl::StrReplaceAll(s, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

std::string HtmlReport(const ReportHeader& header, const Violation& v, const std::string& svg) {
  const std::string title = absl::StrCat(KindName(v.kind), " in ", header.scenario);
  // The SVG starts with an XML prolog and DOCTYPE; inline SVG wants only the <svg> element.
  const size_t start = svg.find("<svg");
  const std::string inline_svg = start == std::string::npos ? "" : svg.substr(start);
  std::string out;
  absl::StrAppend(&out, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>",
                  HtmlEscape(title),
                  "</title>\n<style>body{font-family:sans-serif;margin:2em}"
                  "pre{background:#f6f6f6;padding:1em;overflow-x:auto}"
                  // The graph scaled to the window's width, never wider.
                  "svg{max-width:100%;height:auto}"
                  ".msg{color:#a00;font-weight:bold}</style></head><body>\n");
  absl::StrAppend(&out, "<h1>", HtmlEscape(title), "</h1>\n<p class=\"msg\">",
                  HtmlEscape(v.message), "</p>\n");
  absl::StrAppend(&out, "<p>Expected: ", HtmlEscape(header.expect), ". Found by ",
                  HtmlEscape(v.found_by), " in execution ", v.execution,
                  ".</p>\n<p>Replay: <code>", HtmlEscape(header.program), " run ",
                  HtmlEscape(header.scenario),
                  " --replay=", HtmlEscape(v.schedule), "</code></p>\n");
  absl::StrAppend(&out, "<h2>Interleaving</h2>\n", inline_svg, "\n");
  absl::StrAppend(&out, "<h2>Race diagram</h2>\n<pre>", HtmlEscape(RaceDiagram(header, v)),
                  "</pre>\n");
  absl::StrAppend(&out, "<h2>Steps</h2>\n<pre>", HtmlEscape(TextReport(header, v)),
                  "</pre>\n</body></html>\n");
  return out;
}

}  // namespace mmcheck
