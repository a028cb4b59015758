// LockOrder; see lock_order.h.
#include "explorer/checks/lock_order.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"

namespace mmcheck {

std::vector<std::string> LockOrder::Path(const std::string& from, const std::string& to) const {
  // Depth-first over ordered maps: the same path every run.
  std::vector<std::string> path{from};
  std::set<std::string> seen{from};
  std::vector<std::map<std::string, Edge>::const_iterator> next;
  auto edges_of = [&](const std::string& c) -> const std::map<std::string, Edge>* {
    auto it = edges_.find(c);
    return it == edges_.end() ? nullptr : &it->second;
  };
  static const std::map<std::string, Edge> kNone;
  const auto* first = edges_of(from);
  next.push_back((first ? first : &kNone)->begin());
  while (!path.empty()) {
    if (path.back() == to) return path;
    const auto* out = edges_of(path.back());
    auto& it = next.back();
    if (out == nullptr || it == out->end()) {
      path.pop_back();
      next.pop_back();
      continue;
    }
    const std::string& c = it->first;
    ++it;
    if (!seen.insert(c).second) continue;
    path.push_back(c);
    const auto* more = edges_of(c);
    next.push_back((more ? more : &kNone)->begin());
  }
  return {};
}

std::optional<LockOrder::Cycle> LockOrder::OnAcquire(const std::string& thread,
                                                     const std::vector<Site>& held,
                                                     const Site& acquiring, int execution,
                                                     const std::vector<int>& schedule) {
  for (const Site& h : held) {
    // Spelled out only for an edge not seen before or a report (every acquisition under a lock
    // comes here).
    auto site = [&] {
      return absl::StrCat(acquiring.lock_class, " taken at ", acquiring.file, ":", acquiring.line,
                          " while holding ", h.lock_class, " (taken at ", h.file, ":", h.line,
                          ") by thread '", thread, "'");
    };
    if (h.lock_class == acquiring.lock_class) {
      return Cycle{absl::StrCat("possible recursive locking: ", site()), {}};
    }
    auto& out = edges_[h.lock_class];
    if (out.count(acquiring.lock_class) != 0) continue;
    out[acquiring.lock_class] =
        Edge{absl::StrCat(site(), " in execution ", execution), Witness{execution, schedule}};
    const std::vector<std::string> back = Path(acquiring.lock_class, h.lock_class);
    if (back.empty()) continue;
    std::string message =
        absl::StrCat("lock order cycle ", h.lock_class, " -> ", acquiring.lock_class);
    for (size_t i = 1; i < back.size(); ++i) absl::StrAppend(&message, " -> ", back[i]);
    absl::StrAppend(&message, ": ", site(), " (this execution)");
    Cycle cycle;
    for (size_t i = 0; i + 1 < back.size(); ++i) {
      const Edge& edge = edges_[back[i]][back[i + 1]];
      absl::StrAppend(&message, "; ", edge.description);
      // Edges this execution added itself need no witness: the replay adds them again.
      if (edge.first_seen.execution == execution) continue;
      const bool listed = std::find(cycle.witnesses.begin(), cycle.witnesses.end(),
                                    edge.first_seen) != cycle.witnesses.end();
      if (!listed) cycle.witnesses.push_back(edge.first_seen);
    }
    // Replayed in the order they first ran, so that each edge is first seen where it was.
    std::sort(cycle.witnesses.begin(), cycle.witnesses.end(),
              [](const Witness& a, const Witness& b) { return a.execution < b.execution; });
    cycle.message = std::move(message);
    return cycle;
  }
  return std::nullopt;
}

}  // namespace mmcheck
