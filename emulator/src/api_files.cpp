// Files, uploads, vector stores (files, batches, asynchronous processing) and lexical search.
#include "state.hpp"

#include <cmath>
#include <set>

namespace emu {

namespace {

json::object deleted(const std::string& id, std::string_view object) {
  return {{"id", id}, {"object", object}, {"deleted", true}};
}

json::value metadata_of(const json::object& body) {
  auto it = body.find("metadata");
  if (it == body.end() || it->value().is_null()) return json::object();
  return it->value();
}

json::object new_file(state& s, std::string filename, std::string purpose, std::string content) {
  json::object f;
  std::string id = s.new_id("file-");
  f["id"] = id;
  f["object"] = "file";
  f["bytes"] = content.size();
  f["created_at"] = unix_now();
  f["filename"] = std::move(filename);
  f["purpose"] = std::move(purpose);
  f["status"] = "processed";
  auto& rec = s.files.add(id, file_rec{f, std::move(content)});
  return rec.obj;
}

// polling helpers (e.g. the SDK's uploadAndPoll) wait this long between retrievals
http_reply processing_reply(const state& s, const json::object& obj) {
  http_reply r = json_reply(obj);
  if (obj.at("status") == "in_progress")
    r.headers.emplace_back("openai-poll-after-ms",
                           std::to_string(std::max(1, s.options.file_processing_ms / 2)));
  return r;
}

json::object zero_counts() {
  return {{"in_progress", 0}, {"completed", 0}, {"failed", 0}, {"cancelled", 0}, {"total", 0}};
}

json::object chunking_of(const json::object& body) {
  auto it = body.find("chunking_strategy");
  if (it != body.end() && it->value().is_object() && it->value().as_object().at("type") == "static")
    return it->value().as_object();
  return {{"type", "static"},
          {"static", json::object{{"max_chunk_size_tokens", 800}, {"chunk_overlap_tokens", 400}}}};
}

vs_file_rec& attach_file(state& s, vector_store_rec& vs, const std::string& file_id,
                         const json::object& body, clock_type::time_point now) {
  if (!s.files.find(file_id))
    throw api_error(404, "No file found with id '" + file_id + "'.", "file_id");
  json::object f;
  f["id"] = file_id;
  f["object"] = "vector_store.file";
  f["usage_bytes"] = 0;
  f["created_at"] = unix_now();
  f["vector_store_id"] = vs.obj.at("id");
  f["status"] = "in_progress";
  f["last_error"] = nullptr;
  f["chunking_strategy"] = chunking_of(body);
  auto attrs = body.find("attributes");
  f["attributes"] = attrs == body.end() || attrs->value().is_null() ? json::value(json::object())
                                                                    : attrs->value();
  vs.files.erase(file_id);
  return vs.files.add(file_id, vs_file_rec{std::move(f), now + std::chrono::milliseconds(
                                                                   s.options.file_processing_ms)});
}

std::vector<std::string> tokens(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80)
      cur += static_cast<char>(std::tolower(u));
    else if (!cur.empty())
      out.push_back(std::move(cur)), cur.clear();
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

// paragraphs, cut further to at most ~120 words
std::vector<std::string> chunks_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find("\n\n", pos);
    std::string para = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? text.size() : end + 2;
    std::string cur;
    int words = 0;
    for (std::size_t i = 0; i < para.size(); ++i) {
      cur += para[i];
      if (para[i] == ' ' && ++words >= 120) {
        out.push_back(cur);
        cur.clear();
        words = 0;
      }
    }
    if (cur.find_first_not_of(" \n\t\r") != std::string::npos) out.push_back(cur);
  }
  return out;
}

bool compare_attr(const json::value& actual, std::string_view op, const json::value& expected) {
  if (op == "eq") return actual == expected;
  if (op == "ne") return actual != expected;
  if (!actual.is_number() || !expected.is_number()) return false;
  double a = actual.to_number<double>(), e = expected.to_number<double>();
  if (op == "gt") return a > e;
  if (op == "gte") return a >= e;
  if (op == "lt") return a < e;
  if (op == "lte") return a <= e;
  return false;
}

bool filter_matches(const json::value& filter, const json::object& attributes) {
  const auto* f = filter.if_object();
  if (!f) return true;
  std::string_view type = f->at("type").as_string();
  if (type == "and" || type == "or") {
    bool any = false, all = true;
    for (const auto& sub : f->at("filters").as_array()) {
      bool m = filter_matches(sub, attributes);
      any = any || m;
      all = all && m;
    }
    return type == "and" ? all : any;
  }
  auto it = attributes.find(f->at("key").as_string());
  if (it == attributes.end()) return false;
  return compare_attr(it->value(), type, f->at("value"));
}

struct scored_chunk {
  std::string store_id, file_id, filename, text;
  json::object attributes;
  double score;
};

// BM25 over the chunks of every completed file in the stores
std::vector<scored_chunk> rank(state& s, const std::vector<std::string>& store_ids,
                               const std::string& query, const json::value* filter) {
  struct doc {
    scored_chunk c;
    std::vector<std::string> terms;
  };
  std::vector<doc> docs;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& sid : store_ids) {
    auto* vs = s.vector_stores.find(sid);
    if (!vs) continue;
    for (const auto& fid : vs->files.order) {
      const auto& vf = vs->files.items.at(fid);
      if (vf.obj.at("status") != "completed" || !seen.insert({sid, fid}).second) continue;
      const json::object& attrs = vf.obj.at("attributes").is_object()
                                      ? vf.obj.at("attributes").as_object()
                                      : json::object();
      if (filter && !filter_matches(*filter, attrs)) continue;
      auto* f = s.files.find(fid);
      if (!f) continue;
      for (auto& text : chunks_of(f->content))
        docs.push_back(
            {{sid, fid, std::string(f->obj.at("filename").as_string()), text, attrs, 0.0},
             tokens(text)});
    }
  }
  auto q = tokens(query);
  if (docs.empty() || q.empty()) return {};
  double avg = 0;
  for (const auto& d : docs)
    avg += static_cast<double>(d.terms.size());
  avg /= static_cast<double>(docs.size());
  const double k1 = 1.2, b = 0.75, n = static_cast<double>(docs.size());
  std::vector<scored_chunk> out;
  for (auto& d : docs) {
    double score = 0;
    for (const auto& term : std::set<std::string>(q.begin(), q.end())) {
      double df = 0;
      for (const auto& o : docs)
        df += std::find(o.terms.begin(), o.terms.end(), term) != o.terms.end();
      double tf = static_cast<double>(std::count(d.terms.begin(), d.terms.end(), term));
      if (tf == 0) continue;
      double idf = std::log(1 + (n - df + 0.5) / (df + 0.5));
      score += idf * tf * (k1 + 1) /
               (tf + k1 * (1 - b + b * static_cast<double>(d.terms.size()) / std::max(avg, 1.0)));
    }
    if (score <= 0) continue;
    d.c.score = score / (score + 1); // into (0, 1)
    out.push_back(std::move(d.c));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b2) { return a.score > b2.score; });
  return out;
}

json::object recount(const collection<vs_file_rec>& files,
                     const std::vector<std::string>* only = nullptr) {
  json::object counts = zero_counts();
  auto add = [&](const vs_file_rec& f) {
    std::string st(f.obj.at("status").as_string());
    counts[st] = counts[st].to_number<std::int64_t>() + 1;
    counts["total"] = counts["total"].to_number<std::int64_t>() + 1;
  };
  if (only) {
    for (const auto& id : *only)
      if (auto it = files.items.find(id); it != files.items.end()) add(it->second);
  } else {
    for (const auto& [id, f] : files.items)
      add(f);
  }
  return counts;
}

} // namespace

void state::advance_vector_store(vector_store_rec& vs, clock_type::time_point now) {
  std::int64_t usage = 0;
  for (auto& [id, f] : vs.files.items) {
    if (f.obj.at("status") == "in_progress" && now >= f.ready_at) {
      auto* file = files.find(id);
      f.obj["status"] = file ? "completed" : "failed";
      if (!file)
        f.obj["last_error"] =
            json::object{{"code", "server_error"}, {"message", "The file was deleted."}};
      else
        f.obj["usage_bytes"] = file->content.size();
    }
    usage += f.obj.at("usage_bytes").to_number<std::int64_t>();
  }
  for (auto& [id, b] : vs.batches.items) {
    json::object counts = recount(vs.files, &b.file_ids);
    if (b.obj.at("status") == "in_progress" &&
        counts.at("in_progress").to_number<std::int64_t>() == 0)
      b.obj["status"] = "completed";
    b.obj["file_counts"] = std::move(counts);
  }
  json::object counts = recount(vs.files);
  vs.obj["status"] =
      counts.at("in_progress").to_number<std::int64_t>() > 0 ? "in_progress" : "completed";
  vs.obj["file_counts"] = std::move(counts);
  vs.obj["usage_bytes"] = usage;
}

std::vector<search_hit> search_vector_stores(state& s, const std::vector<std::string>& store_ids,
                                             const std::string& query, std::size_t max_results) {
  for (const auto& id : store_ids)
    if (auto* vs = s.vector_stores.find(id)) s.advance_vector_store(*vs, clock_type::now());
  std::vector<search_hit> hits;
  for (auto& c : rank(s, store_ids, query, nullptr)) {
    if (hits.size() >= max_results) break;
    hits.push_back({c.file_id, c.filename, c.text, c.score});
  }
  return hits;
}

void register_file_handlers(state& s) {
  auto& h = s.handlers;

  // ----- files -----
  h["createFile"] = [](state& s, request_ctx& ctx) {
    auto it = ctx.files.find("file");
    if (it == ctx.files.end())
      throw api_error(400, "Missing required parameter: 'file'.", "file",
                      "missing_required_parameter");
    std::string name = it->second.first.empty() ? "upload" : it->second.first;
    return json_reply(
        new_file(s, name, std::string(ctx.body.at("purpose").as_string()), it->second.second));
  };
  h["listFiles"] = [](state& s, request_ctx& ctx) {
    std::string purpose;
    if (auto it = ctx.req.query.find("purpose"); it != ctx.req.query.end()) purpose = it->second;
    std::vector<const json::object*> items;
    for (const auto& id : s.files.order) {
      const auto& f = s.files.items.at(id).obj;
      if (purpose.empty() || f.at("purpose").as_string() == purpose) items.push_back(&f);
    }
    return list_reply(ctx, items);
  };
  h["retrieveFile"] = [](state& s, request_ctx& ctx) {
    return json_reply(s.file(ctx.param("file_id")).obj);
  };
  h["deleteFile"] = [](state& s, request_ctx& ctx) {
    const auto& id = ctx.param("file_id");
    s.file(id);
    s.files.erase(id);
    return json_reply(deleted(id, "file"));
  };
  h["downloadFile"] = [](state& s, request_ctx& ctx) {
    http_reply r;
    r.body = s.file(ctx.param("file_id")).content;
    r.content_type = "application/octet-stream";
    return r;
  };

  // ----- uploads -----
  h["createUpload"] = [](state& s, request_ctx& ctx) {
    json::object u;
    std::string id = s.new_id("upload_");
    u["id"] = id;
    u["object"] = "upload";
    u["bytes"] = ctx.body.at("bytes");
    u["created_at"] = unix_now();
    u["filename"] = ctx.body.at("filename");
    u["purpose"] = ctx.body.at("purpose");
    u["status"] = "pending";
    u["expires_at"] = unix_now() + 3600;
    u["file"] = nullptr;
    auto& rec = s.uploads.insert_or_assign(id, upload_rec{std::move(u), {}}).first->second;
    return json_reply(rec.obj);
  };
  auto upload = [](state& s, const std::string& id) -> upload_rec& {
    auto it = s.uploads.find(id);
    if (it == s.uploads.end()) throw api_error(404, "No upload found with id '" + id + "'.");
    return it->second;
  };
  h["addUploadPart"] = [upload](state& s, request_ctx& ctx) {
    auto& u = upload(s, ctx.param("upload_id"));
    if (u.obj.at("status") != "pending")
      throw api_error(400, "Upload " + ctx.param("upload_id") + " is " +
                               std::string(u.obj.at("status").as_string()) +
                               " and no longer accepts parts.");
    auto it = ctx.files.find("data");
    std::string data =
        it != ctx.files.end() ? it->second.second : std::string(ctx.body.at("data").as_string());
    std::string id = s.new_id("part_");
    u.parts[id] = std::move(data);
    return json_reply({{"id", id},
                       {"object", "upload.part"},
                       {"created_at", unix_now()},
                       {"upload_id", u.obj.at("id")}});
  };
  h["completeUpload"] = [upload](state& s, request_ctx& ctx) {
    auto& u = upload(s, ctx.param("upload_id"));
    if (u.obj.at("status") != "pending")
      throw api_error(400, "Upload " + ctx.param("upload_id") + " is already " +
                               std::string(u.obj.at("status").as_string()) + ".");
    std::string content;
    const auto& ids = ctx.body.at("part_ids").as_array();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      auto p = u.parts.find(std::string(ids[i].as_string()));
      if (p == u.parts.end())
        throw api_error(400, "Invalid part ID: '" + std::string(ids[i].as_string()) + "'.",
                        "part_ids[" + std::to_string(i) + "]", "invalid_value");
      content += p->second;
    }
    auto expected = u.obj.at("bytes").to_number<std::int64_t>();
    if (static_cast<std::int64_t>(content.size()) != expected)
      throw api_error(400, "The number of bytes uploaded (" + std::to_string(content.size()) +
                               ") does not match the number of bytes declared (" +
                               std::to_string(expected) + ").");
    u.obj["status"] = "completed";
    u.obj["file"] = new_file(s, std::string(u.obj.at("filename").as_string()),
                             std::string(u.obj.at("purpose").as_string()), std::move(content));
    u.parts.clear();
    return json_reply(u.obj);
  };
  h["cancelUpload"] = [upload](state& s, request_ctx& ctx) {
    auto& u = upload(s, ctx.param("upload_id"));
    if (u.obj.at("status") != "pending")
      throw api_error(400, "Upload " + ctx.param("upload_id") + " is already " +
                               std::string(u.obj.at("status").as_string()) + ".");
    u.obj["status"] = "cancelled";
    u.parts.clear();
    return json_reply(u.obj);
  };

  // ----- vector stores -----
  h["createVectorStore"] = [](state& s, request_ctx& ctx) {
    check_metadata(ctx.body);
    vector_store_rec vs;
    std::string id = s.new_id("vs_");
    vs.obj["id"] = id;
    vs.obj["object"] = "vector_store";
    vs.obj["created_at"] = unix_now();
    json::value name = field_or(ctx.body, "name", "");
    vs.obj["name"] = name.is_null() ? json::value("") : name;
    vs.obj["usage_bytes"] = 0;
    vs.obj["file_counts"] = zero_counts();
    vs.obj["status"] = "completed";
    if (auto it = ctx.body.find("expires_after"); it != ctx.body.end() && it->value().is_object()) {
      vs.obj["expires_after"] = it->value();
      vs.obj["expires_at"] =
          unix_now() + 86400 * it->value().as_object().at("days").to_number<std::int64_t>();
    } else {
      vs.obj["expires_at"] = nullptr;
    }
    vs.obj["last_active_at"] = unix_now();
    vs.obj["metadata"] = metadata_of(ctx.body);
    auto& stored = s.vector_stores.add(id, std::move(vs));
    if (auto it = ctx.body.find("file_ids"); it != ctx.body.end() && it->value().is_array())
      for (const auto& fid : it->value().as_array())
        attach_file(s, stored, std::string(fid.as_string()), ctx.body, ctx.now);
    s.advance_vector_store(stored, ctx.now);
    return json_reply(stored.obj);
  };
  h["getVectorStore"] = [](state& s, request_ctx& ctx) {
    auto& vs = s.vector_store(ctx.param("vector_store_id"));
    s.advance_vector_store(vs, ctx.now);
    return processing_reply(s, vs.obj);
  };
  h["modifyVectorStore"] = [](state& s, request_ctx& ctx) {
    check_metadata(ctx.body);
    auto& vs = s.vector_store(ctx.param("vector_store_id"));
    if (auto it = ctx.body.find("name"); it != ctx.body.end() && it->value().is_string())
      vs.obj["name"] = it->value();
    if (auto it = ctx.body.find("metadata"); it != ctx.body.end())
      vs.obj["metadata"] = metadata_of(ctx.body);
    if (auto it = ctx.body.find("expires_after"); it != ctx.body.end()) {
      if (it->value().is_object()) {
        vs.obj["expires_after"] = it->value();
        vs.obj["expires_at"] =
            unix_now() + 86400 * it->value().as_object().at("days").to_number<std::int64_t>();
      } else {
        vs.obj.erase("expires_after");
        vs.obj["expires_at"] = nullptr;
      }
    }
    s.advance_vector_store(vs, ctx.now);
    return json_reply(vs.obj);
  };
  h["deleteVectorStore"] = [](state& s, request_ctx& ctx) {
    const auto& id = ctx.param("vector_store_id");
    s.vector_store(id);
    s.vector_stores.erase(id);
    return json_reply(deleted(id, "vector_store.deleted"));
  };
  h["listVectorStores"] = [](state& s, request_ctx& ctx) {
    std::vector<const json::object*> items;
    for (const auto& id : s.vector_stores.order) {
      auto& vs = s.vector_stores.items.at(id);
      s.advance_vector_store(vs, ctx.now);
      items.push_back(&vs.obj);
    }
    return list_reply(ctx, items);
  };

  // ----- vector store files -----
  h["createVectorStoreFile"] = [](state& s, request_ctx& ctx) {
    auto& vs = s.vector_store(ctx.param("vector_store_id"));
    auto& f =
        attach_file(s, vs, std::string(ctx.body.at("file_id").as_string()), ctx.body, ctx.now);
    s.advance_vector_store(vs, ctx.now);
    return processing_reply(s, f.obj);
  };
  auto vs_file = [](state& s, request_ctx& ctx) -> std::pair<vector_store_rec*, vs_file_rec*> {
    auto& vs = s.vector_store(ctx.param("vector_store_id"));
    s.advance_vector_store(vs, ctx.now);
    auto* f = vs.files.find(ctx.param("file_id"));
    if (!f)
      throw api_error(404, "No file found with id '" + ctx.param("file_id") +
                               "' in vector store '" + ctx.param("vector_store_id") + "'.");
    return {&vs, f};
  };
  h["getVectorStoreFile"] = [vs_file](state& s, request_ctx& ctx) {
    return processing_reply(s, vs_file(s, ctx).second->obj);
  };
  h["updateVectorStoreFileAttributes"] = [vs_file](state& s, request_ctx& ctx) {
    auto* f = vs_file(s, ctx).second;
    f->obj["attributes"] = ctx.body.at("attributes").is_null() ? json::value(json::object())
                                                               : ctx.body.at("attributes");
    return json_reply(f->obj);
  };
  h["deleteVectorStoreFile"] = [vs_file](state& s, request_ctx& ctx) {
    auto [vs, f] = vs_file(s, ctx);
    (void)f;
    vs->files.erase(ctx.param("file_id"));
    s.advance_vector_store(*vs, ctx.now);
    return json_reply(deleted(ctx.param("file_id"), "vector_store.file.deleted"));
  };
  h["retrieveVectorStoreFileContent"] = [vs_file](state& s, request_ctx& ctx) {
    vs_file(s, ctx);
    json::array data;
    for (auto& c : chunks_of(s.file(ctx.param("file_id")).content))
      data.push_back(json::object{{"type", "text"}, {"text", c}});
    return json_reply({{"object", "vector_store.file_content.page"},
                       {"data", data},
                       {"has_more", false},
                       {"next_page", nullptr}});
  };
  auto list_vs_files = [](state& s, request_ctx& ctx, vector_store_rec& vs,
                          const std::vector<std::string>* only) {
    std::string filter;
    if (auto it = ctx.req.query.find("filter"); it != ctx.req.query.end()) filter = it->second;
    if (!filter.empty() && filter != "in_progress" && filter != "completed" && filter != "failed" &&
        filter != "cancelled")
      throw api_error(
          400,
          "Invalid value: '" + filter +
              "'. Supported values are: 'in_progress', 'completed', 'failed', and 'cancelled'.",
          "filter", "invalid_value");
    std::vector<const json::object*> items;
    for (const auto& id : vs.files.order) {
      if (only && std::find(only->begin(), only->end(), id) == only->end()) continue;
      const auto& f = vs.files.items.at(id).obj;
      if (filter.empty() || f.at("status").as_string() == filter) items.push_back(&f);
    }
    (void)s;
    return list_reply(ctx, items);
  };
  h["listVectorStoreFiles"] = [list_vs_files](state& s, request_ctx& ctx) {
    auto& vs = s.vector_store(ctx.param("vector_store_id"));
    s.advance_vector_store(vs, ctx.now);
    return list_vs_files(s, ctx, vs, nullptr);
  };

  // ----- file batches -----
  h["createVectorStoreFileBatch"] = [](state& s, request_ctx& ctx) {
    auto& vs = s.vector_store(ctx.param("vector_store_id"));
    std::vector<std::pair<std::string, json::object>> wanted;
    if (auto it = ctx.body.find("file_ids"); it != ctx.body.end() && it->value().is_array())
      for (const auto& id : it->value().as_array())
        wanted.emplace_back(std::string(id.as_string()), ctx.body);
    if (auto it = ctx.body.find("files"); it != ctx.body.end() && it->value().is_array())
      for (const auto& f : it->value().as_array())
        wanted.emplace_back(std::string(f.as_object().at("file_id").as_string()), f.as_object());
    if (wanted.empty())
      throw api_error(400, "Missing required parameter: 'file_ids'.", "file_ids",
                      "missing_required_parameter");
    for (const auto& [id, body] : wanted)
      if (!s.files.find(id))
        throw api_error(404, "No file found with id '" + id + "'.", "file_ids");
    batch_rec b;
    std::string id = s.new_id("vsfb_");
    b.obj = {{"id", id},
             {"object", "vector_store.files_batch"},
             {"created_at", unix_now()},
             {"vector_store_id", vs.obj.at("id")},
             {"status", "in_progress"},
             {"file_counts", zero_counts()}};
    for (const auto& [fid, body] : wanted) {
      attach_file(s, vs, fid, body, ctx.now);
      b.file_ids.push_back(fid);
    }
    auto& stored = vs.batches.add(id, std::move(b));
    s.advance_vector_store(vs, ctx.now);
    return processing_reply(s, stored.obj);
  };
  auto batch = [](state& s, request_ctx& ctx) -> std::pair<vector_store_rec*, batch_rec*> {
    auto& vs = s.vector_store(ctx.param("vector_store_id"));
    s.advance_vector_store(vs, ctx.now);
    auto* b = vs.batches.find(ctx.param("batch_id"));
    if (!b) throw api_error(404, "No file batch found with id '" + ctx.param("batch_id") + "'.");
    return {&vs, b};
  };
  h["getVectorStoreFileBatch"] = [batch](state& s, request_ctx& ctx) {
    return processing_reply(s, batch(s, ctx).second->obj);
  };
  h["cancelVectorStoreFileBatch"] = [batch](state& s, request_ctx& ctx) {
    auto [vs, b] = batch(s, ctx);
    if (b->obj.at("status") == "in_progress") {
      for (const auto& fid : b->file_ids)
        if (auto* f = vs->files.find(fid); f && f->obj.at("status") == "in_progress")
          f->obj["status"] = "cancelled";
      b->obj["status"] = "cancelled";
    }
    s.advance_vector_store(*vs, ctx.now);
    return json_reply(b->obj);
  };
  h["listFilesInVectorStoreBatch"] = [batch, list_vs_files](state& s, request_ctx& ctx) {
    auto [vs, b] = batch(s, ctx);
    return list_vs_files(s, ctx, *vs, &b->file_ids);
  };

  // ----- search -----
  h["searchVectorStore"] = [](state& s, request_ctx& ctx) {
    auto& vs = s.vector_store(ctx.param("vector_store_id"));
    s.advance_vector_store(vs, ctx.now);
    json::array queries;
    const auto& q = ctx.body.at("query");
    if (q.is_string())
      queries.push_back(q);
    else
      queries = q.as_array();
    std::string joined;
    for (const auto& x : queries)
      joined += std::string(x.as_string()) + " ";
    const json::value* filter = ctx.body.contains("filters") ? &ctx.body.at("filters") : nullptr;
    std::size_t max =
        static_cast<std::size_t>(field_or(ctx.body, "max_num_results", 10).to_number<int>());
    double threshold = 0;
    if (auto it = ctx.body.find("ranking_options"); it != ctx.body.end() && it->value().is_object())
      if (auto t = it->value().as_object().find("score_threshold");
          t != it->value().as_object().end())
        threshold = t->value().to_number<double>();
    json::array data;
    for (auto& c : rank(s, {std::string(vs.obj.at("id").as_string())}, joined, filter)) {
      if (data.size() >= max || c.score < threshold) break;
      data.push_back(
          json::object{{"file_id", c.file_id},
                       {"filename", c.filename},
                       {"score", c.score},
                       {"attributes", c.attributes},
                       {"content", json::array{json::object{{"type", "text"}, {"text", c.text}}}}});
    }
    return json_reply({{"object", "vector_store.search_results.page"},
                       {"search_query", queries},
                       {"data", data},
                       {"has_more", false},
                       {"next_page", nullptr}});
  };
}

} // namespace emu
