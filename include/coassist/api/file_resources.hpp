// Files, Uploads and Vector stores (with their files, file batches and search).
#pragma once

#include <coassist/api/resources.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace coassist {

namespace detail {

// Runs fn(0..n-1) with at most `limit` running at once, on a strand of the caller's executor.
// fn(i) returns asio::awaitable<void> and must not throw (outcomes are recorded by fn).
template <class Fn> asio::awaitable<void> run_limited(std::size_t n, std::size_t limit, Fn& fn) {
  if (n == 0) co_return;
  auto strand = asio::make_strand(co_await asio::this_coro::executor);
  std::size_t workers = std::min(n, std::max<std::size_t>(limit, 1));
  std::size_t next = 0;
  // (Asio 1.22's channel_traits are ambiguous for a bare void(error_code): carry an int)
  asio::experimental::channel<void(std::error_code, int)> done(strand, workers);
  for (std::size_t w = 0; w < workers; ++w)
    asio::co_spawn(
        strand,
        [&]() -> asio::awaitable<void> {
          while (next < n)
            co_await fn(next++);
        },
        [&done](std::exception_ptr) { done.try_send(std::error_code{}, 0); });
  for (std::size_t w = 0; w < workers; ++w)
    co_await done.async_receive(asio::use_awaitable);
}

} // namespace detail

class files_resource {
public:
  explicit files_resource(client c) : c_(std::move(c)) {}

  // purpose: "assistants", "vision", "batch", "fine-tune", "user_data", "evals".
  template <class Token = asio::use_awaitable_t<>>
  auto create(const file_upload& file, std::string purpose, COASSIST_TOKEN_PARAMS) const {
    call_args a;
    a.body_stream =
        detail::multipart_source({{"purpose", std::move(purpose)}}, "file", file, a.content_type);
    return c_.call_as<api::open_ai_file>(operation("createFile"), std::move(a), COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto retrieve(std::string file_id, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::open_ai_file>(operation("retrieveFile"),
                                         call_args::make({{"file_id", std::move(file_id)}}),
                                         COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto remove(std::string file_id, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::delete_file_response>(
        operation("deleteFile"), call_args::make({{"file_id", std::move(file_id)}}), COASSIST_FWD);
  }
  // params.extra may hold {"purpose", p}.
  template <class Token = asio::use_awaitable_t<>>
  auto list(const list_params& p = {}, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::list_files_response>(
        operation("listFiles"), call_args::make({}, {}, p.to_query()), COASSIST_FWD);
  }
  pager<api::list_files_response> list_all(list_params p = {}, request_options ro = {}) const {
    return {c_, operation("listFiles"), {}, std::move(p), std::move(ro)};
  }
  // The file's bytes, whole. Completion: void(std::exception_ptr, std::string).
  template <class Token = asio::use_awaitable_t<>>
  auto content(std::string file_id, COASSIST_TOKEN_PARAMS) const {
    return detail::spawn(c_, content_impl(c_, std::move(file_id), std::move(ro)),
                         std::forward<Token>(token));
  }
  // The file's bytes streamed to `sink` as they arrive (never held whole). Completion:
  // void(std::exception_ptr, std::uint64_t bytes).
  template <class Token = asio::use_awaitable_t<>>
  auto content_to(std::string file_id, std::function<void(std::string_view)> sink,
                  COASSIST_TOKEN_PARAMS) const {
    return detail::spawn(c_,
                         content_to_impl(c_, std::move(file_id), std::move(sink), std::move(ro)),
                         std::forward<Token>(token));
  }

private:
  static asio::awaitable<std::string> content_impl(client c, std::string id, request_options ro) {
    std::string all;
    co_await content_to_impl(
        c, std::move(id), [&](std::string_view s) { all.append(s); }, std::move(ro));
    co_return all;
  }
  static asio::awaitable<std::uint64_t> content_to_impl(client c, std::string id,
                                                        std::function<void(std::string_view)> sink,
                                                        request_options ro) {
    call_args args = call_args::make({{"file_id", std::move(id)}});
    auto s = co_await c.open(operation("downloadFile"), std::move(args), std::move(ro),
                             asio::use_awaitable);
    std::uint64_t total = 0;
    for (;;) {
      auto [ec, chunk] =
          co_await s.async_read_some(asio::experimental::as_tuple(asio::use_awaitable));
      if (ec)
        throw connection_error(error_info{errc::connection,
                                          s.status(),
                                          ec.message(),
                                          {},
                                          {},
                                          {},
                                          std::string(s.request_id().value_or("")),
                                          "read file content"});
      if (chunk.empty()) co_return total;
      total += chunk.size();
      sink(chunk);
    }
  }

  client c_;
};

class uploads_resource {
public:
  explicit uploads_resource(client c) : c_(std::move(c)) {}

  template <class Token = asio::use_awaitable_t<>>
  auto create(const api::create_upload_request& req, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::upload>(operation("createUpload"),
                                   call_args::make({}, detail::to_body(req)), COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto add_part(std::string upload_id, const file_upload& data, COASSIST_TOKEN_PARAMS) const {
    call_args a = call_args::make({{"upload_id", std::move(upload_id)}});
    a.body_stream = detail::multipart_source({}, "data", data, a.content_type);
    return c_.call_as<api::upload_part>(operation("addUploadPart"), std::move(a), COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto complete(std::string upload_id, const api::complete_upload_request& req,
                COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::upload>(
        operation("completeUpload"),
        call_args::make({{"upload_id", std::move(upload_id)}}, detail::to_body(req)), COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto cancel(std::string upload_id, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::upload>(operation("cancelUpload"),
                                   call_args::make({{"upload_id", std::move(upload_id)}}),
                                   COASSIST_FWD);
  }

  // A whole file through the Uploads API: create, parts of `part_size` bytes (at most 64 MiB)
  // with up to `max_in_flight` parts sent at once, streamed from disk, then complete with the
  // part ids in file order. A failed part cancels the upload and is thrown.
  template <class Token = asio::use_awaitable_t<>>
  auto upload_file(std::filesystem::path path, std::string purpose, std::string mime_type,
                   std::uint64_t part_size = 64ull << 20, std::size_t max_in_flight = 4,
                   Token&& token = {}) const {
    return detail::spawn(c_,
                         upload_file_impl(c_, std::move(path), std::move(purpose),
                                          std::move(mime_type), part_size, max_in_flight),
                         std::forward<Token>(token));
  }

private:
  static asio::awaitable<api::upload> upload_file_impl(client c, std::filesystem::path path,
                                                       std::string purpose, std::string mime,
                                                       std::uint64_t part_size,
                                                       std::size_t max_in_flight) {
    if (part_size == 0 || part_size > (64ull << 20))
      throw usage_error(error_info{
          errc::invalid_argument, 0, "part_size must be 1..64 MiB", {}, {}, "part_size", {}, {}});
    std::error_code fec;
    std::uint64_t size = std::filesystem::file_size(path, fec);
    if (fec)
      throw usage_error(error_info{errc::invalid_argument,
                                   0,
                                   "cannot read " + path.string() + ": " + fec.message(),
                                   {},
                                   {},
                                   "path",
                                   {},
                                   {}});
    uploads_resource up(c);
    api::create_upload_request req;
    req.filename = path.filename().string();
    req.purpose = purpose;
    req.bytes = static_cast<std::int64_t>(size);
    req.mime_type = mime;
    api::upload u = co_await up.create(req);

    std::size_t parts = static_cast<std::size_t>((size + part_size - 1) / part_size);
    std::vector<std::string> ids(parts);
    std::exception_ptr failure;
    auto send_part = [&](std::size_t i) -> asio::awaitable<void> {
      if (failure) co_return;
      try {
        std::uint64_t off = i * part_size;
        file_upload data;
        data.filename = req.filename + ".part" + std::to_string(i);
        data.source = std::make_shared<detail::file_range_source>(path.string(), off,
                                                                  std::min(part_size, size - off));
        auto part = co_await up.add_part(u.id, data);
        ids[i] = part.id;
      } catch (...) {
        if (!failure) failure = std::current_exception();
      }
    };
    co_await detail::run_limited(parts, max_in_flight, send_part);
    if (failure) {
      auto [ep, cancelled] =
          co_await up.cancel(u.id, {}, asio::experimental::as_tuple(asio::use_awaitable));
      (void)ep;
      std::rethrow_exception(failure);
    }
    api::complete_upload_request done;
    done.part_ids = std::move(ids);
    co_return co_await up.complete(u.id, done);
  }

  client c_;
};

// One file of a batch upload: its id, or why it failed.
struct file_upload_outcome {
  std::string filename;
  std::optional<std::string> file_id;
  std::optional<error_info> error;
};

class vector_store_files_resource {
public:
  explicit vector_store_files_resource(client c) : c_(std::move(c)) {}

  template <class Token = asio::use_awaitable_t<>>
  auto create(std::string vector_store_id, const api::create_vector_store_file_request& req,
              COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::vector_store_file_object>(
        operation("createVectorStoreFile"),
        call_args::make({{"vector_store_id", std::move(vector_store_id)}}, detail::to_body(req)),
        COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto retrieve(std::string vector_store_id, std::string file_id, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::vector_store_file_object>(
        operation("getVectorStoreFile"),
        call_args::make(
            {{"vector_store_id", std::move(vector_store_id)}, {"file_id", std::move(file_id)}}),
        COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto update(std::string vector_store_id, std::string file_id,
              const api::update_vector_store_file_attributes_request& req,
              COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::vector_store_file_object>(
        operation("updateVectorStoreFileAttributes"),
        call_args::make(
            {{"vector_store_id", std::move(vector_store_id)}, {"file_id", std::move(file_id)}},
            detail::to_body(req)),
        COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto remove(std::string vector_store_id, std::string file_id, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::delete_vector_store_file_response>(
        operation("deleteVectorStoreFile"),
        call_args::make(
            {{"vector_store_id", std::move(vector_store_id)}, {"file_id", std::move(file_id)}}),
        COASSIST_FWD);
  }
  // params.extra may hold {"filter", "in_progress|completed|failed|cancelled"}.
  template <class Token = asio::use_awaitable_t<>>
  auto list(std::string vector_store_id, const list_params& p = {}, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::list_vector_store_files_response>(
        operation("listVectorStoreFiles"),
        call_args::make({{"vector_store_id", std::move(vector_store_id)}}, {}, p.to_query()),
        COASSIST_FWD);
  }
  pager<api::list_vector_store_files_response>
  list_all(std::string vector_store_id, list_params p = {}, request_options ro = {}) const {
    return {c_, operation("listVectorStoreFiles"),
            call_args::make({{"vector_store_id", std::move(vector_store_id)}}), std::move(p),
            std::move(ro)};
  }
  template <class Token = asio::use_awaitable_t<>>
  auto content(std::string vector_store_id, std::string file_id, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::vector_store_file_content_response>(
        operation("retrieveVectorStoreFileContent"),
        call_args::make(
            {{"vector_store_id", std::move(vector_store_id)}, {"file_id", std::move(file_id)}}),
        COASSIST_FWD);
  }
  // Polls until the file is no longer in_progress.
  template <class Token = asio::use_awaitable_t<>>
  auto poll(std::string vector_store_id, std::string file_id, poll_options po = {},
            Token&& token = {}) const {
    return detail::spawn(c_,
                         detail::poll_until<api::vector_store_file_object>(
                             c_, operation("getVectorStoreFile"),
                             call_args::make({{"vector_store_id", std::move(vector_store_id)},
                                              {"file_id", std::move(file_id)}}),
                             po, detail::processing_is_pending),
                         std::forward<Token>(token));
  }
  // Uploads the file (purpose "assistants"), attaches it to the vector store and polls until it
  // is processed.
  template <class Token = asio::use_awaitable_t<>>
  auto upload_and_poll(std::string vector_store_id, file_upload file, poll_options po = {},
                       Token&& token = {}) const {
    return detail::spawn(c_,
                         upload_and_poll_impl(c_, std::move(vector_store_id), std::move(file), po),
                         std::forward<Token>(token));
  }

private:
  static asio::awaitable<api::vector_store_file_object>
  upload_and_poll_impl(client c, std::string vs, file_upload file, poll_options po) {
    auto f = co_await files_resource(c).create(file, "assistants");
    api::create_vector_store_file_request req;
    req.file_id = f.id;
    auto vf = co_await vector_store_files_resource(c).create(vs, req);
    co_return co_await vector_store_files_resource(c).poll(vs, vf.id, po);
  }

  client c_;
};

// The outcome of file_batches().upload_and_poll: the batch (absent when no file could be
// uploaded) and one outcome per file, in the order given.
struct file_batch_upload_result {
  std::optional<api::vector_store_file_batch_object> batch;
  std::vector<file_upload_outcome> files;
};

class vector_store_file_batches_resource {
public:
  explicit vector_store_file_batches_resource(client c) : c_(std::move(c)) {}

  template <class Token = asio::use_awaitable_t<>>
  auto create(std::string vector_store_id, const api::create_vector_store_file_batch_request& req,
              COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::vector_store_file_batch_object>(
        operation("createVectorStoreFileBatch"),
        call_args::make({{"vector_store_id", std::move(vector_store_id)}}, detail::to_body(req)),
        COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto retrieve(std::string vector_store_id, std::string batch_id, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::vector_store_file_batch_object>(
        operation("getVectorStoreFileBatch"),
        call_args::make(
            {{"vector_store_id", std::move(vector_store_id)}, {"batch_id", std::move(batch_id)}}),
        COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto cancel(std::string vector_store_id, std::string batch_id, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::vector_store_file_batch_object>(
        operation("cancelVectorStoreFileBatch"),
        call_args::make(
            {{"vector_store_id", std::move(vector_store_id)}, {"batch_id", std::move(batch_id)}}),
        COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto list_files(std::string vector_store_id, std::string batch_id, const list_params& p = {},
                  COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::list_vector_store_files_response>(
        operation("listFilesInVectorStoreBatch"),
        call_args::make(
            {{"vector_store_id", std::move(vector_store_id)}, {"batch_id", std::move(batch_id)}},
            {}, p.to_query()),
        COASSIST_FWD);
  }
  pager<api::list_vector_store_files_response> list_files_all(std::string vector_store_id,
                                                              std::string batch_id,
                                                              list_params p = {},
                                                              request_options ro = {}) const {
    return {c_, operation("listFilesInVectorStoreBatch"),
            call_args::make({{"vector_store_id", std::move(vector_store_id)},
                             {"batch_id", std::move(batch_id)}}),
            std::move(p), std::move(ro)};
  }
  template <class Token = asio::use_awaitable_t<>>
  auto poll(std::string vector_store_id, std::string batch_id, poll_options po = {},
            Token&& token = {}) const {
    return detail::spawn(c_,
                         detail::poll_until<api::vector_store_file_batch_object>(
                             c_, operation("getVectorStoreFileBatch"),
                             call_args::make({{"vector_store_id", std::move(vector_store_id)},
                                              {"batch_id", std::move(batch_id)}}),
                             po, detail::processing_is_pending),
                         std::forward<Token>(token));
  }
  // Uploads the files with at most `max_in_flight` uploads at once (default 5, as the SDKs), then
  // creates the batch from the files that uploaded and polls it. Per-file failures are reported
  // in the result, not thrown; errors of the batch itself are thrown.
  template <class Token = asio::use_awaitable_t<>>
  auto upload_and_poll(std::string vector_store_id, std::vector<file_upload> files,
                       std::size_t max_in_flight = 5, poll_options po = {},
                       Token&& token = {}) const {
    return detail::spawn(
        c_,
        upload_and_poll_impl(c_, std::move(vector_store_id), std::move(files), max_in_flight, po),
        std::forward<Token>(token));
  }

private:
  static asio::awaitable<file_batch_upload_result>
  upload_and_poll_impl(client c, std::string vs, std::vector<file_upload> files,
                       std::size_t max_in_flight, poll_options po) {
    file_batch_upload_result result;
    result.files.resize(files.size());
    auto upload_one = [&](std::size_t i) -> asio::awaitable<void> {
      result.files[i].filename = files[i].filename;
      auto [ep, f] = co_await files_resource(c).create(
          files[i], "assistants", {}, asio::experimental::as_tuple(asio::use_awaitable));
      if (ep)
        result.files[i].error = error_info_of(ep);
      else
        result.files[i].file_id = f.id;
    };
    co_await detail::run_limited(files.size(), max_in_flight, upload_one);
    api::create_vector_store_file_batch_request req;
    std::vector<std::string> ids;
    for (auto& f : result.files)
      if (f.file_id) ids.push_back(*f.file_id);
    if (ids.empty()) co_return result;
    req.file_ids = std::move(ids);
    vector_store_file_batches_resource batches(c);
    auto batch = co_await batches.create(vs, req);
    result.batch = co_await batches.poll(vs, batch.id, po);
    co_return result;
  }

  client c_;
};

class vector_stores_resource {
public:
  explicit vector_stores_resource(client c) : c_(std::move(c)) {}

  vector_store_files_resource files() const { return vector_store_files_resource(c_); }
  vector_store_file_batches_resource file_batches() const {
    return vector_store_file_batches_resource(c_);
  }

  template <class Token = asio::use_awaitable_t<>>
  auto create(const api::create_vector_store_request& req = {}, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::vector_store_object>(
        operation("createVectorStore"), call_args::make({}, detail::to_body(req)), COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto retrieve(std::string vector_store_id, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::vector_store_object>(
        operation("getVectorStore"),
        call_args::make({{"vector_store_id", std::move(vector_store_id)}}), COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto update(std::string vector_store_id, const api::update_vector_store_request& req,
              COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::vector_store_object>(
        operation("modifyVectorStore"),
        call_args::make({{"vector_store_id", std::move(vector_store_id)}}, detail::to_body(req)),
        COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto remove(std::string vector_store_id, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::delete_vector_store_response>(
        operation("deleteVectorStore"),
        call_args::make({{"vector_store_id", std::move(vector_store_id)}}), COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto list(const list_params& p = {}, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::list_vector_stores_response>(
        operation("listVectorStores"), call_args::make({}, {}, p.to_query()), COASSIST_FWD);
  }
  pager<api::list_vector_stores_response> list_all(list_params p = {},
                                                   request_options ro = {}) const {
    return {c_, operation("listVectorStores"), {}, std::move(p), std::move(ro)};
  }
  template <class Token = asio::use_awaitable_t<>>
  auto search(std::string vector_store_id, const api::vector_store_search_request& req,
              COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::vector_store_search_results_page>(
        operation("searchVectorStore"),
        call_args::make({{"vector_store_id", std::move(vector_store_id)}}, detail::to_body(req)),
        COASSIST_FWD);
  }

private:
  client c_;
};

inline assistants_resource client::assistants() const {
  return assistants_resource(*this);
}
inline threads_resource client::threads() const {
  return threads_resource(*this);
}
inline files_resource client::files() const {
  return files_resource(*this);
}
inline uploads_resource client::uploads() const {
  return uploads_resource(*this);
}
inline vector_stores_resource client::vector_stores() const {
  return vector_stores_resource(*this);
}

#undef COASSIST_TOKEN_PARAMS
#undef COASSIST_FWD

} // namespace coassist
