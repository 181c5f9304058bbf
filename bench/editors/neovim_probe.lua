-- Run by bench/editors/neovim.py: what Neovim shows of examples/cifar_net.py through `shapecheck lsp`,
-- configured by the README's init.lua: its diagnostics, a hover, the inlay hints and the code actions.
local out = {}
local function log(s) table.insert(out, s) end
local ok = vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 100)
log("diagnostics ready: " .. tostring(ok))
for _, d in ipairs(vim.diagnostic.get(0)) do
  log(string.format("diag %d:%d %s", d.lnum + 1, d.col, d.message))
end
local client = vim.lsp.get_clients({ bufnr = 0 })[1]
log("client: " .. (client and client.name or "none"))
local params = { textDocument = vim.lsp.util.make_text_document_params(0), position = { line = 29, character = 8 } }
local res = vim.lsp.buf_request_sync(0, "textDocument/hover", params, 10000)
for _, r in pairs(res or {}) do
  if r.result then log("hover: " .. r.result.contents.value:gsub("\n", " | ")) end
end
vim.wait(3000, function() return #vim.lsp.inlay_hint.get({ bufnr = 0 }) > 0 end, 100)
for _, h in ipairs(vim.lsp.inlay_hint.get({ bufnr = 0 })) do
  local label = h.inlay_hint.label
  if type(label) == "table" then label = label[1].value end
  log(string.format("hint %d: %s", h.inlay_hint.position.line + 1, label))
end
local d = vim.diagnostic.get(0)[1]
if d then
  local ca = { textDocument = vim.lsp.util.make_text_document_params(0),
    range = { start = { line = d.lnum, character = d.col }, ["end"] = { line = d.end_lnum, character = d.end_col } },
    context = { diagnostics = vim.lsp.diagnostic.from(vim.diagnostic.get(0)) } }
  local acts = vim.lsp.buf_request_sync(0, "textDocument/codeAction", ca, 10000)
  for _, r in pairs(acts or {}) do
    for _, a in ipairs(r.result or {}) do log("action: " .. a.title) end
  end
end
vim.fn.writefile(out, vim.env.SHAPECHECK_PROBE_OUT)
vim.cmd("qa!")
