// The interleaving graph; see graph.h.
#include "viz/graph.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace mmcheck {
namespace {

// cgraph's API takes char* for names and values it does not modify.
char* C(const std::string& s) { return const_cast<char*>(s.c_str()); }

void Set(void* obj, const std::string& name, const std::string& value) {
  agsafeset(obj, C(name), C(value), C(std::string("")));
}

// Graphviz's default ID discipline takes IDs from the addresses of interned names, so subgraph
// and node order, and with them the layout, could change between runs. This one numbers names
// in the order they are first seen: the same graph gives the same files, byte for byte.
// Names are kept as cgraph reference-counted strings (agstrdup): agwrite looks before a name's
// first byte to tell HTML-like names from plain ones.
struct IdState {
  std::map<std::string, IDTYPE> by_name;
  std::map<IDTYPE, char*> names;
  IDTYPE next_named = 2;  // named objects even, anonymous ones odd, as Graphviz's own
  IDTYPE next_anonymous = 1;
};

void* IdOpen(Agraph_t*, Agdisc_t*) { return new IdState; }

long IdMap(void* state, int, char* name, IDTYPE* id, int) {
  IdState& s = *static_cast<IdState*>(state);
  if (name == nullptr) {
    *id = s.next_anonymous;
    s.next_anonymous += 2;
    return 1;
  }
  auto [it, inserted] = s.by_name.emplace(name, s.next_named);
  if (inserted) {
    s.names.emplace(s.next_named, agstrdup(nullptr, name));
    s.next_named += 2;
  }
  *id = it->second;
  return 1;
}

long IdAlloc(void*, int, IDTYPE) { return 1; }
void IdFree(void*, int, IDTYPE) {}

char* IdPrint(void* state, int, IDTYPE id) {
  IdState& s = *static_cast<IdState*>(state);
  auto it = s.names.find(id);
  return it == s.names.end() ? nullptr : it->second;
}

void IdClose(void* state) {
  auto* s = static_cast<IdState*>(state);
  for (auto& [id, name] : s->names) agstrfree(nullptr, name);
  delete s;
}
void IdRegister(void*, int, void*) {}

Agiddisc_t kSequentialIds = {IdOpen, IdMap, IdAlloc, IdFree, IdPrint, IdClose, IdRegister};
Agdisc_t kDiscipline = {&AgMemDisc, &kSequentialIds, &AgIoDisc};

struct GraphDeleter {
  void operator()(Agraph_t* g) const { agclose(g); }
};
using Graph = std::unique_ptr<Agraph_t, GraphDeleter>;

// What the graph draws of a long trace, so that its layout stays within seconds and megabytes
// (Graphviz's dot takes minutes, and gigabytes, on thousands of steps in dozens of lanes): the
// last kMaxGraphSteps steps up to the violation, in the lanes of at most kMaxGraphLanes threads
// (the violating thread and those whose steps come last). The text report keeps every step.
constexpr size_t kMaxGraphSteps = 120;
constexpr size_t kMaxGraphLanes = 12;

struct Window {
  size_t first = 0;          // the first step drawn
  std::vector<bool> drawn;   // by thread
  std::string note;          // what is left out, for the title; empty if nothing
};

Window Choose(const Violation& v) {
  const Trace& t = v.trace;
  Window w;
  w.first = t.steps.size() > kMaxGraphSteps ? t.steps.size() - kMaxGraphSteps : 0;
  w.drawn.assign(t.thread_names.size(), false);
  size_t lanes = 0;
  if (v.thread >= 0) {
    w.drawn[static_cast<size_t>(v.thread)] = true;
    ++lanes;
  }
  for (size_t i = t.steps.size(); i-- > w.first;) {
    const size_t thread = static_cast<size_t>(t.steps[i].thread);
    if (!w.drawn[thread] && lanes < kMaxGraphLanes) {
      w.drawn[thread] = true;
      ++lanes;
    }
  }
  // Threads with no step in the window have an empty lane; draw them while there is room.
  std::vector<bool> stepped(t.thread_names.size(), false);
  for (size_t i = w.first; i < t.steps.size(); ++i) {
    stepped[static_cast<size_t>(t.steps[i].thread)] = true;
  }
  std::vector<std::string> left_out;
  for (size_t i = 0; i < w.drawn.size(); ++i) {
    if (!w.drawn[i] && !stepped[i] && lanes < kMaxGraphLanes) {
      w.drawn[i] = true;
      ++lanes;
    }
    if (!w.drawn[i]) left_out.push_back(t.thread_names[i]);
  }
  std::vector<std::string> parts;
  if (w.first > 0) parts.push_back(absl::StrCat("steps 1-", w.first, " not drawn"));
  if (!left_out.empty()) {
    parts.push_back(absl::StrCat(left_out.size(), " threads not drawn (",
                                 left_out.size() <= 4 ? absl::StrJoin(left_out, ", ") : "",
                                 left_out.size() <= 4 ? ")" : "the least recent)"));
  }
  if (!parts.empty()) {
    w.note = absl::StrCat(absl::StrJoin(parts, "; "), ": the text report has every step");
  }
  return w;
}

// `text` as a Graphviz label of lines of at most `width` characters, broken at spaces ("\n").
std::string WrapLabel(const std::string& text, size_t width) {
  std::string out;
  size_t line = 0;
  for (absl::string_view word : absl::StrSplit(text, ' ')) {
    if (line > 0 && line + 1 + word.size() > width) {
      absl::StrAppend(&out, "\\n");
      line = 0;
    } else if (line > 0) {
      out += ' ';
      ++line;
    }
    absl::StrAppend(&out, word);
    line += word.size();
  }
  return out;
}

// A box node named `name` in `lane`, in the graph's font.
Agnode_t* Box(Agraph_t* lane, const std::string& name, const std::string& label) {
  Agnode_t* n = agnode(lane, C(name), 1);
  Set(n, "label", label);
  Set(n, "shape", "box");
  Set(n, "fontname", "Helvetica");
  Set(n, "fontsize", "10");
  return n;
}

// The node of the finding (a step or a note), filled red.
void MarkFinding(Agnode_t* n, const std::string& style) {
  Set(n, "style", style);
  Set(n, "fillcolor", "#f8d0d0");
  Set(n, "color", "red");
}

// The widest image: 20.8 inches at Graphviz's 96 dpi is 2000 pixels; dot scales a wider drawing
// down to it.
constexpr const char* kMaxSize = "20.8,1000";

// An edge between two lanes (synchronisation, a wait-for), by node names.
struct CrossEdge {
  std::string tail, head, key, label, color, style;
};

// The graph without its edges between lanes, and those edges. dot would reorder the lanes to
// uncross such edges (no attribute stops it: constraint=false edges still count in its crossing
// minimization, and flat edges between clusters are not kept), so the graph is laid out without
// them, lanes in thread order as built, and they are routed afterwards on the fixed layout.
struct Built {
  Graph g;
  std::vector<CrossEdge> cross;
};

Built Build(const ReportHeader& header, const Violation& v) {
  const Trace& t = v.trace;
  const Window window = Choose(v);
  const Marks marks = MarkViolation(v);
  Built built{Graph(agopen(C(std::string("interleaving")), Agdirected, &kDiscipline)), {}};
  Graph& g = built.g;
  // gvLayout() changes the process-wide defaults new graphs start from: state them here.
  agattr(g.get(), AGNODE, C(std::string("label")), C(std::string("\\N")));
  // The title in lines of about 100 characters: one line as wide as the message would set the
  // image's width.
  Set(g.get(), "label",
      absl::StrCat(WrapLabel(absl::StrCat(KindName(v.kind), " in ", header.scenario), 100),
                   "\\n", WrapLabel(v.message, 100), "\\n",
                   WrapLabel(absl::StrCat("replay: --replay=", v.schedule), 100),
                   window.note.empty() ? "" : absl::StrCat("\\n", WrapLabel(window.note, 100))));
  Set(g.get(), "size", kMaxSize);
  Set(g.get(), "labelloc", "t");
  Set(g.get(), "fontname", "Helvetica");
  Set(g.get(), "newrank", "true");
  Set(g.get(), "ranksep", "0.25");

  // Each lane starts with a header node; the headers share the top rank, so the lanes stand
  // side by side however the steps interleave.
  std::vector<Agraph_t*> lanes;
  std::vector<Agnode_t*> headers;
  Agraph_t* top = agsubg(g.get(), C(std::string("lane_headers")), 1);
  Set(top, "rank", "same");
  for (size_t i = 0; i < t.thread_names.size(); ++i) {
    if (!window.drawn[i]) {
      lanes.push_back(nullptr);
      headers.push_back(nullptr);
      continue;
    }
    Agraph_t* lane = agsubg(g.get(), C(absl::StrCat("cluster_", i)), 1);
    Set(lane, "label", "");
    Set(lane, "style", "rounded");
    lanes.push_back(lane);
    Agnode_t* lane_head = agnode(lane, C(absl::StrCat("thread", i)), 1);
    agsubnode(top, lane_head, 1);
    Set(lane_head, "label", absl::StrCat("thread ", i, ": ", t.thread_names[i]));
    Set(lane_head, "shape", "plaintext");
    Set(lane_head, "fontname", "Helvetica-Bold");
    headers.push_back(lane_head);
  }


  // The locks each thread holds when the violation is found, replayed from the steps: shown on
  // each thread's last step up to the failing one.
  std::vector<std::vector<int>> held(t.thread_names.size());
  std::vector<int> last_before_failure(t.thread_names.size(), -1);
  for (size_t i = 0; i < t.steps.size() && static_cast<int>(i) < v.step; ++i) {
    const Step& s = t.steps[i];
    last_before_failure[static_cast<size_t>(s.thread)] = static_cast<int>(i);
    const Access a = AccessOf(s);
    std::vector<int>& mine = held[static_cast<size_t>(s.thread)];
    if (a.acquires && s.object >= 0 && static_cast<int>(i) != marks.step) mine.push_back(s.object);
    if (a.releases && s.object >= 0) {
      for (size_t h = mine.size(); h-- > 0;) {
        if (mine[h] == s.object) {
          mine.erase(mine.begin() + static_cast<long>(h));
          break;
        }
      }
    }
  }
  // Folding, as the race diagram does (unless --verbose): a run of steps one thread takes in one
  // (model) function, with no other thread's step between them and none of them a step that
  // matters (Marks::key, the failing step, the step whose label lists the locks held), is one
  // node "first-last: function(), n steps" instead of one node per lock internal.
  auto own = [&](size_t i) {
    const Step& s = t.steps[i];
    return header.verbose || marks.key[i] || s.function == nullptr || *s.function == '\0' ||
           last_before_failure[static_cast<size_t>(s.thread)] == static_cast<int>(i) ||
           s.op == OpKind::kSpawn || s.op == OpKind::kJoin;
  };
  std::vector<size_t> run_end(t.steps.size());  // for the first step of a run: one past its last
  for (size_t i = window.first; i < t.steps.size();) {
    size_t j = i + 1;
    if (!own(i)) {
      while (j < t.steps.size() && !own(j) && t.steps[j].thread == t.steps[i].thread &&
             std::string(t.steps[j].function) == t.steps[i].function) {
        ++j;
      }
    }
    run_end[i] = j;
    i = j;
  }
  // By step: its node (a folded run's steps share one), or nullptr when it is not drawn.
  std::vector<Agnode_t*> nodes(t.steps.size(), nullptr);
  for (size_t i = window.first; i < t.steps.size(); i = run_end[i]) {
    const Step& s = t.steps[i];
    if (!window.drawn[static_cast<size_t>(s.thread)]) continue;
    if (run_end[i] > i + 1) {
      const size_t last = run_end[i] - 1;
      std::vector<std::string> ops;
      for (size_t k = i; k <= last && ops.size() < 3; ++k) {
        ops.push_back(absl::StrCat(OpName(t.steps[k].op), " ", t.ObjectName(t.steps[k])));
      }
      if (last - i + 1 > ops.size()) ops.push_back("...");
      Agnode_t* n = Box(lanes[static_cast<size_t>(s.thread)], absl::StrCat("s", i + 1),
                        absl::StrCat(i + 1, "-", last + 1, ": ", s.function, "()\\n",
                                     WrapLabel(absl::StrJoin(ops, ", "), 50)));
      Set(n, "style", "dashed");
      for (size_t k = i; k <= last; ++k) nodes[k] = n;
      continue;
    }
    const bool failing = static_cast<int>(i) == marks.step;
    std::string label = absl::StrCat(i + 1, ": ", OpName(s.op), " ", t.ObjectName(s));
    const std::string effect = DescribeEffect(t, s);
    if (!effect.empty()) absl::StrAppend(&label, " ", effect);
    absl::StrAppend(&label, "\\n", s.file, ":", s.line);
    const std::vector<int>& mine = held[static_cast<size_t>(s.thread)];
    if (last_before_failure[static_cast<size_t>(s.thread)] == static_cast<int>(i) &&
        !mine.empty()) {
      std::vector<std::string> names;
      for (int o : mine) names.push_back(t.ObjectName(o));
      absl::StrAppend(&label, "\\nholds: ", absl::StrJoin(names, ", "));
    }
    Agnode_t* n = Box(lanes[static_cast<size_t>(s.thread)], absl::StrCat("s", i + 1), label);
    if (failing) {
      MarkFinding(n, "filled,bold");
    } else if (marks.read_by_check[i] || marks.overwritten_by[i] >= 0) {
      // What made a failing check false: the last write of what it read, or a read made stale.
      Set(n, "style", "bold");
      Set(n, "color", "red");
      Set(n, "label", label + (marks.read_by_check[i] ? "\\n(read by the check)" : "\\n(stale)"));
    } else if (marks.key[i]) {
      Set(n, "style", "bold");
    }
    nodes[i] = n;
  }
  // Notes (a race's accesses, a deadlock's blocked operations) after their thread's step, as
  // rounded boxes; a blocked operation has a wait-for edge to the step that took what it waits
  // for, or to the lane of the thread it waits for.
  std::vector<Agnode_t*> note_nodes(v.notes.size(), nullptr);
  for (size_t k = 0; k < v.notes.size(); ++k) {
    const TraceNote& note = v.notes[k];
    const size_t th = static_cast<size_t>(note.thread);
    if (th >= lanes.size() || lanes[th] == nullptr) continue;
    if (note.after_step >= 0 && static_cast<size_t>(note.after_step) < nodes.size() &&
        nodes[static_cast<size_t>(note.after_step)] == nullptr) {
      continue;  // after a step outside the window
    }
    Agnode_t* n = Box(lanes[th], absl::StrCat("note", k), WrapLabel(note.text, 40));
    if (static_cast<int>(k) == marks.note) {
      MarkFinding(n, "rounded,filled,bold");
    } else {
      Set(n, "style", "rounded,dashed");
    }
    note_nodes[k] = n;
  }

  // Global order: each step (and note) on a rank of its own, below the one before it. The ranks
  // come from an invisible spine of nodes outside the lanes, each on the same rank as its step,
  // not from edges between the steps: edges across lanes would make dot reorder the lanes to
  // uncross them, and the lanes must stay in thread order as they are built.
  std::vector<Agnode_t*> timeline;
  auto add_notes_after = [&](int step) {
    for (size_t k = 0; k < v.notes.size(); ++k) {
      if (note_nodes[k] != nullptr && v.notes[k].after_step == step)
        timeline.push_back(note_nodes[k]);
    }
  };
  add_notes_after(-1);
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i] != nullptr && (i == 0 || nodes[i - 1] != nodes[i])) timeline.push_back(nodes[i]);
    add_notes_after(static_cast<int>(i));
  }
  Agnode_t* above = agnode(top, C(std::string("time")), 1);  // on the headers' rank
  Set(above, "style", "invis");
  Set(above, "label", "");
  Set(above, "width", "0");
  Set(above, "height", "0");
  for (size_t r = 0; r < timeline.size(); ++r) {
    Agnode_t* tick = agnode(g.get(), C(absl::StrCat("time", r)), 1);
    Set(tick, "style", "invis");
    Set(tick, "label", "");
    Set(tick, "width", "0");
    Set(tick, "height", "0");
    Agraph_t* rank = agsubg(g.get(), C(absl::StrCat("rank", r)), 1);
    Set(rank, "rank", "same");
    agsubnode(rank, tick, 1);
    agsubnode(rank, timeline[r], 1);
    Agedge_t* e = agedge(g.get(), above, tick, nullptr, 1);
    Set(e, "style", "invis");
    above = tick;
  }
  // Program order, and synchronisation.
  std::vector<int> last_of_thread(t.thread_names.size(), -1);
  std::map<int, int> last_write, last_release, last_wake;
  auto dashed = [&](size_t from, size_t to, const std::string& label, const std::string& color) {
    if (nodes[from] == nullptr || nodes[to] == nullptr || nodes[from] == nodes[to]) return;
    built.cross.push_back(CrossEdge{agnameof(nodes[from]), agnameof(nodes[to]),
                                    absl::StrCat("sync", from, "_", to), label, color, "dashed"});
  };
  for (size_t i = 0; i < t.steps.size(); ++i) {
    const Step& s = t.steps[i];
    int& prev = last_of_thread[static_cast<size_t>(s.thread)];
    if (nodes[i] == nullptr) {
      // Not drawn: only what later steps refer to is kept.
    } else if (prev >= 0 && nodes[static_cast<size_t>(prev)] == nodes[i]) {
      // Within a folded run.
    } else if (prev >= 0 && nodes[static_cast<size_t>(prev)] != nullptr) {
      Agedge_t* e = agedge(g.get(), nodes[static_cast<size_t>(prev)], nodes[i], nullptr, 1);
      Set(e, "weight", "10");
    } else {
      Agedge_t* e = agedge(g.get(), headers[static_cast<size_t>(s.thread)], nodes[i], nullptr, 1);
      Set(e, "style", "invis");
      // A spawned thread's first step follows its spawn.
      for (size_t k = window.first; prev < 0 && k < i; ++k) {
        if (t.steps[k].op == OpKind::kSpawn && t.steps[k].object == s.thread) {
          dashed(k, i, "spawn", "gray40");
        }
      }
    }
    prev = static_cast<int>(i);
    if (s.op == OpKind::kJoin && last_of_thread[static_cast<size_t>(s.object)] >= 0) {
      dashed(static_cast<size_t>(last_of_thread[static_cast<size_t>(s.object)]), i, "join",
             "gray40");
    }
    if (s.object < 0) continue;
    const Access a = AccessOf(s);
    auto other = [&](const std::map<int, int>& m) {
      auto it = m.find(s.object);
      return it != m.end() && t.steps[static_cast<size_t>(it->second)].thread != s.thread
                 ? it->second
                 : -1;
    };
    if (a.acquires || s.op == OpKind::kWaitUnlocked || s.op == OpKind::kGracePeriodWait) {
      if (int r = other(last_release); r >= 0) dashed(static_cast<size_t>(r), i, "release", "blue");
    } else if (s.op == OpKind::kSchedule) {
      if (int w = other(last_wake); w >= 0) dashed(static_cast<size_t>(w), i, "wake", "purple");
    } else if (a.reads && !a.releases) {
      if (int w = other(last_write); w >= 0) dashed(static_cast<size_t>(w), i, "saw", "darkgreen");
    }
    if (a.releases) last_release[s.object] = static_cast<int>(i);
    if (s.op == OpKind::kWakeUp) last_wake[s.object] = static_cast<int>(i);
    if (a.writes && !a.acquires && !a.releases) last_write[s.object] = static_cast<int>(i);
  }
  // A stale read (Marks::overwritten_by) to the write that made it stale.
  for (size_t i = 0; i < nodes.size(); ++i) {
    const int k = marks.overwritten_by[i];
    if (k < 0 || nodes[i] == nullptr || nodes[static_cast<size_t>(k)] == nullptr) continue;
    built.cross.push_back(CrossEdge{agnameof(nodes[i]), agnameof(nodes[static_cast<size_t>(k)]),
                                    absl::StrCat("stale", i), "overwritten", "red", "dashed"});
  }
  // Each note below its step (or its lane's header); the timeline puts it above the next step.
  for (size_t k = 0; k < v.notes.size(); ++k) {
    if (note_nodes[k] == nullptr) continue;
    const TraceNote& note = v.notes[k];
    Agnode_t* from = note.after_step >= 0 ? nodes[static_cast<size_t>(note.after_step)]
                                          : headers[static_cast<size_t>(note.thread)];
    Agedge_t* e = agedge(g.get(), from, note_nodes[k], nullptr, 1);
    Set(e, "weight", "10");
    if (!note.blocked) continue;
    // The wait-for edge: to the holder's step that took the object, else to its lane.
    Agnode_t* holder = marks.holder[k] >= 0 ? nodes[static_cast<size_t>(marks.holder[k])] : nullptr;
    if (holder == nullptr && note.waits_for >= 0 &&
        static_cast<size_t>(note.waits_for) < headers.size()) {
      holder = headers[static_cast<size_t>(note.waits_for)];
    }
    if (holder == nullptr) continue;
    built.cross.push_back(CrossEdge{agnameof(note_nodes[k]), agnameof(holder),
                                    absl::StrCat("waits", k), "waits for", "red", "dashed,bold"});
  }
  return built;
}

// Adds the edges between lanes (see Built); returns them.
std::vector<Agedge_t*> AddCrossEdges(Built& built) {
  Agraph_t* g = built.g.get();
  std::vector<Agedge_t*> added;
  for (const CrossEdge& c : built.cross) {
    Agedge_t* e = agedge(g, agnode(g, C(c.tail), 0), agnode(g, C(c.head), 0), C(c.key), 1);
    Set(e, "style", c.style);
    Set(e, "color", c.color);
    Set(e, "fontcolor", c.color);
    Set(e, "fontsize", "9");
    Set(e, "label", c.label);
    Set(e, "constraint", "false");
    added.push_back(e);
  }
  return added;
}

#ifdef MMCHECK_ASAN
// LeakSanitizer's hook for built-in suppressions, so that every program of the ASan build (the
// command, the tests, the fuzz targets) runs without LSAN_OPTIONS: the Graphviz context below is
// kept for the whole process on purpose, with the plugins and caches it loads (each entry a
// library of it). (One list for the whole program, so Open MPI's is here too.)
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libgvc\nleak:libcgraph\nleak:libcdt\nleak:libgvplugin\nleak:libpango\n"
         "leak:libfontconfig\nleak:libcairo\nleak:libglib\nleak:libgobject\nleak:libharfbuzz\n"
         "leak:libpixman\n"
         // Open MPI (mpirun runs): its libraries and plugins, kept loaded (cli/mpi.cc), keep
         // their state to the end. One of them keeps a string from asprintf() in code without
         // frame pointers, so its stack ends in vasprintf: mmcheck's own code never calls it.
         "leak:libmpi.so\nleak:libopen-pal\nleak:libopen-rte\nleak:mca_\nleak:libpmix\n"
         "leak:libhwloc\nleak:libevent\nleak:__vasprintf_internal\n";
}

// And no table of the suppressions used at exit: its counts (fontconfig's) differ from run to
// run, and it would follow the output that two runs must give alike (CliTest's --jobs and MPI
// comparisons).
extern "C" const char* __lsan_default_options() { return "print_suppressions=0"; }
#endif

// One Graphviz context for the process, never freed: Debian 12's Graphviz (2.42) pango plugin
// keeps a static pointer to a font name owned by the context, so freeing a context and making
// another reads freed memory (AddressSanitizer shows it in textspan_size).
GVC_t* Context() {
  static GVC_t* const gvc = gvContext();
  return gvc;
}

// The graph as DOT text, before layout.
std::string Dot(Graph& g) {
  char* buffer = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&buffer, &size);
  agwrite(g.get(), out);
  std::fclose(out);
  std::string dot(buffer, size);
  std::free(buffer);
  return dot;
}

}  // namespace

absl::StatusOr<RenderedGraph> RenderGraph(const ReportHeader& header,
                                          const Violation& violation) {
  RenderedGraph out;
  Built built = Build(header, violation);
  Graph& g = built.g;
  // The .dot file: the whole graph, before layout; then without the edges between lanes, for dot.
  const std::vector<Agedge_t*> cross = AddCrossEdges(built);
  out.dot = Dot(g);
  for (Agedge_t* e : cross) agdelete(g.get(), e);
  GVC_t* gvc = Context();
  // dot lays out the lanes; rendering to "dot" attaches the positions (pos, bb, lp) as
  // attributes; the edges between lanes are added and only they are routed ("nop2": every node
  // and every edge already placed stays where it is), as straight lines, which take no time to
  // route. Not "curved": Graphviz 2.42 routes curves from a cache of the graph's cycles kept in
  // static variables and keyed by the graph's address, so a graph allocated where an earlier one
  // was reuses that one's cycles, and the drawing depends on what the process rendered before
  // (an MPI rank and a single process drew one deadlock's wait-for edges differently).
  if (gvLayout(gvc, g.get(), "dot") != 0) {
    return absl::InternalError("Graphviz could not lay out the graph");
  }
  char* positioned = nullptr;
  unsigned int positioned_length = 0;
  if (gvRenderData(gvc, g.get(), "dot", &positioned, &positioned_length) != 0) {
    gvFreeLayout(gvc, g.get());
    return absl::InternalError("Graphviz could not place the graph");
  }
  gvFreeRenderData(positioned);
  gvFreeLayout(gvc, g.get());
  AddCrossEdges(built);
  Set(g.get(), "splines", "line");
  if (gvLayout(gvc, g.get(), "nop2") != 0) {
    return absl::InternalError("Graphviz could not route the graph's edges");
  }
  absl::Status status;
  for (auto [format, text] : {std::pair{"svg", &out.svg}, std::pair{"png", &out.png}}) {
    char* data = nullptr;
    unsigned int length = 0;
    if (gvRenderData(gvc, g.get(), format, &data, &length) == 0) {
      text->assign(data, length);
    } else {
      status = absl::InternalError(absl::StrCat("Graphviz could not render ", format));
    }
    gvFreeRenderData(data);
  }
  gvFreeLayout(gvc, g.get());
  if (!status.ok()) return status;
  return out;
}

}  // namespace mmcheck
