// The subtitle editor: a virtual cue list, the player and its waveform, the current cue's
// text and timing with live counters and QA, the review workflow, comments and history.
// Plain ES module, no build step. Every change is saved by itself (autosave) against the
// revision the editor last saw; a 409 answer opens the conflict dialog instead of
// overwriting somebody else's work.

const config = JSON.parse(document.getElementById("editor-config").textContent);
const T = JSON.parse(document.getElementById("editor-i18n").textContent);

const ROW_HEIGHT = 52; // px; fixed so that the virtual list can compute positions
const OVERSCAN = 8; // rows rendered above and below the visible ones
const AUTOSAVE_DELAY = 700; // ms after the last keystroke or drag
const QA_DELAY = 250;

const $ = (id) => document.getElementById(id);
const els = {
  list: $("cue-list"), spacer: $("cue-spacer"), text: $("cue-text"), source: $("cue-source"),
  about: $("cue-about"), speaker: $("cue-speaker"),
  start: $("cue-start"), end: $("cue-end"), number: $("cue-number"), state: $("cue-state"),
  saveStatus: $("save-status"), qa: $("qa-issues"), lines: $("counter-lines"),
  cps: $("counter-cps"), duration: $("counter-duration"), memory: $("assist-memory"),
  glossary: $("assist-glossary"), comments: $("comments"), commentText: $("comment-text"),
  history: $("history"), player: $("player"), waveform: $("waveform"),
  overlay: $("subtitle-overlay"), progress: $("progress"), lockBanner: $("lock-banner"),
  readonlyBanner: $("readonly-banner"), help: $("help-dialog"),
  conflict: $("conflict-dialog"), reject: $("reject-dialog"),
};

const editor = {
  track: null, abilities: {}, profile: {}, cues: [], position: -1,
  dirty: false, saving: null, saveTimer: 0, qaTimer: 0, conflict: null,
  playUntil: null, playingPosition: -1, peaks: null, shots: null,
};

// --- server -------------------------------------------------------------------------------

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function api(url, { method = "GET", body } = {}) {
  const response = await fetch(url, {
    method, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(),
               "Accept": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = {};
  try { data = await response.json(); } catch { data = { error: response.statusText }; }
  return { status: response.status, ok: response.ok, data };
}

const cueUrl = (cue, action = "") => `${config.base}cues/${cue.id}/${action ? action + "/" : ""}`;

// --- time ---------------------------------------------------------------------------------

function formatTime(ms) {
  const sign = ms < 0 ? "-" : "";
  ms = Math.abs(Math.round(ms));
  const h = Math.floor(ms / 3600000), m = Math.floor(ms / 60000) % 60;
  const s = Math.floor(ms / 1000) % 60, rest = ms % 1000;
  const pad = (value, width = 2) => String(value).padStart(width, "0");
  return `${sign}${pad(h)}:${pad(m)}:${pad(s)}.${pad(rest, 3)}`;
}

function parseTime(text) {
  // Accepts hh:mm:ss.mmm, mm:ss.mmm or plain seconds; a comma works as the decimal sign.
  const parts = text.trim().replace(",", ".").split(":").map(Number);
  if (!parts.length || parts.some(Number.isNaN)) return null;
  const seconds = parts.reduce((total, part) => total * 60 + part, 0);
  return Math.round(seconds * 1000);
}

const frameMs = () => Math.round(1000 / (editor.profile.frame_rate || 24));

// --- counters (the server's QA is the judge; these follow each keystroke) ---------------

function lineWidth(line) {
  let width = 0;
  for (const char of line.replace(/<\/?i>/g, "")) { // italics are marked, not counted
    if (/\p{M}/u.test(char)) continue; // Thai vowels and tone marks take no room
    const halfWidth = /[\u0020-\u007e\uff61-\uff9f]/.test(char);
    width += halfWidth && editor.profile.half_width_counts_half ? 0.5 : 1;
  }
  return width;
}

function updateCounters() {
  const cue = currentCue();
  if (!cue) return;
  const profile = editor.profile;
  const lines = els.text.value.split("\n");
  const maxLine = profile.max_characters_per_line;
  els.lines.replaceChildren(...lines.map((line, index) => {
    const span = document.createElement("span");
    const width = lineWidth(line);
    span.textContent = `${index ? " / " : ""}${width}${maxLine ? "/" + maxLine : ""}`;
    if (maxLine && width > maxLine) span.className = "over";
    return span;
  }), document.createTextNode(` ${T.chars_per_line}`));
  if (profile.max_lines && lines.length > profile.max_lines) els.lines.classList.add("over");
  else els.lines.classList.remove("over");
  const duration = (cue.end - cue.start) / 1000;
  const characters = lines.reduce((total, line) => total + lineWidth(line), 0);
  const cps = duration > 0 ? characters / duration : 0;
  els.cps.textContent = `${cps.toFixed(1)} ${T.cps}`;
  els.cps.className = profile.max_characters_per_second
    && cps > profile.max_characters_per_second ? "over" : "";
  els.duration.textContent = `${T.duration} ${duration.toFixed(2)} ${T.seconds}`;
  const tooShort = profile.min_duration_ms && cue.end - cue.start < profile.min_duration_ms;
  const tooLong = profile.max_duration_ms && cue.end - cue.start > profile.max_duration_ms;
  els.duration.className = tooShort || tooLong ? "over" : "";
}

function scheduleQualityCheck() {
  clearTimeout(editor.qaTimer);
  editor.qaTimer = setTimeout(runQualityCheck, QA_DELAY);
}

async function runQualityCheck() {
  const cue = currentCue();
  if (!cue) return;
  const params = new URLSearchParams({ text: els.text.value, start_ms: cue.start,
                                       end_ms: cue.end });
  const { ok, data } = await api(`${config.check.replace("{id}", cue.id)}?${params}`);
  if (ok && currentCue()?.id === cue.id) showIssues(data.issues.filter((i) => i.cue_index === cue.index));
}

function showIssues(issues) {
  els.qa.replaceChildren(...issues.map((issue) => {
    const item = document.createElement("li");
    item.className = `qa-${issue.severity}`;
    item.dataset.rule = issue.rule;
    item.textContent = issue.message;
    return item;
  }));
}

// --- the virtual cue list ---------------------------------------------------------------------

function renderList() {
  const { list, spacer } = els;
  spacer.style.height = `${editor.cues.length * ROW_HEIGHT}px`;
  const first = Math.max(0, Math.floor(list.scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(editor.cues.length,
                        Math.ceil((list.scrollTop + list.clientHeight) / ROW_HEIGHT) + OVERSCAN);
  const rows = [];
  for (let position = first; position < last; position++) rows.push(row(position));
  spacer.replaceChildren(...rows);
}

function row(position) {
  const cue = editor.cues[position];
  const element = document.createElement("div");
  element.className = "cue-row";
  element.id = `cue-row-${cue.id}`;
  element.role = "option";
  element.dataset.position = position;
  element.dataset.state = cue.state;
  element.style.top = `${position * ROW_HEIGHT}px`;
  element.setAttribute("aria-selected", String(position === editor.position));
  if (position === editor.playingPosition) element.classList.add("playing");
  const worst = cue.qa?.some((i) => i.severity === "error") ? "error"
    : cue.qa?.length ? "warning" : "";
  element.innerHTML = `<span class="cue-index"></span><span class="cue-time"></span>
    <span class="cue-source-text" lang="ko"></span><span class="cue-target-text"></span>
    <span class="cue-badges"><span class="state-dot"></span>${worst
      ? `<span class="qa-dot qa-${worst}">!</span>` : ""}</span>`;
  element.querySelector(".cue-index").textContent = cue.index;
  element.querySelector(".cue-time").textContent = formatTime(cue.start).slice(3, 11);
  element.querySelector(".cue-source-text").textContent = cue.source;
  const target = element.querySelector(".cue-target-text");
  target.textContent = cue.text;
  target.lang = config.language;
  element.querySelector(".state-dot").title = T.states[cue.state];
  return element;
}

function scrollIntoView(position) {
  const top = position * ROW_HEIGHT, list = els.list;
  if (top < list.scrollTop) list.scrollTop = top;
  else if (top + ROW_HEIGHT > list.scrollTop + list.clientHeight) {
    list.scrollTop = top + ROW_HEIGHT - list.clientHeight;
  }
}

// --- the current cue ---------------------------------------------------------------------------

const currentCue = () => editor.cues[editor.position] || null;

async function select(position, { seek = true, focus = true } = {}) {
  if (position < 0 || position >= editor.cues.length) return;
  if (!(await flushSave())) return; // a conflict keeps the translator on this cue
  editor.position = position;
  const cue = currentCue();
  els.number.textContent = cue.index;
  els.source.textContent = cue.source;
  els.text.value = cue.text;
  els.about.textContent = cue.about || "";
  els.about.hidden = !cue.about;
  if (els.speaker) els.speaker.value = cue.speaker || "";
  showTimes();
  showState();
  showIssues(cue.qa || []);
  updateCounters();
  scrollIntoView(position);
  renderList();
  drawWaveform();
  if (seek && els.player) els.player.currentTime = cue.start / 1000;
  if (focus) els.text.focus({ preventScroll: true });
  loadAssist(cue);
  loadComments(cue);
  loadHistory(cue);
  history.replaceState(null, "", `#cue-${cue.index}`);
}

async function changeSpeaker() {
  // Another speaker for this cue: saved at once, kept in the cue's history.
  const cue = currentCue();
  if (!cue || !editable()) { els.speaker.value = cue ? cue.speaker || "" : ""; return; }
  if (!(await flushSave())) return;
  const { status, data } = await api(cueUrl(cue, "speaker"), { method: "POST",
    body: { speaker: els.speaker.value, revision: cue.revision } });
  if (status === 200) {
    replaceCue(data.cue);
    setStatus("saved");
    renderList();
    loadHistory(currentCue());
  } else {
    els.speaker.value = cue.speaker || "";
    setStatus("error", data.error || status);
  }
}

function showTimes() {
  const cue = currentCue();
  els.start.value = formatTime(cue.start);
  els.end.value = formatTime(cue.end);
}

function showState() {
  const cue = currentCue();
  els.state.textContent = T.states[cue.state];
  els.state.dataset.state = cue.state;
  const approved = editor.cues.filter((c) => c.state === "approved").length;
  els.progress.textContent = T.progress.replace("%(approved)s", approved)
    .replace("%(total)s", editor.cues.length);
}

function setStatus(key, detail = "") {
  els.saveStatus.dataset.status = key;
  els.saveStatus.textContent = key === "error" ? T.error.replace("%(error)s", detail) : T[key];
}

function replaceCue(data) {
  const position = editor.cues.findIndex((cue) => cue.id === data.id);
  if (position >= 0) editor.cues[position] = { ...editor.cues[position], ...data };
  return position;
}

// --- saving --------------------------------------------------------------------------------------

function markDirty() {
  if (!editable()) return;
  editor.dirty = true;
  setStatus("unsaved");
  updateCounters();
  scheduleQualityCheck();
  clearTimeout(editor.saveTimer);
  editor.saveTimer = setTimeout(() => save(), AUTOSAVE_DELAY);
}

async function flushSave() {
  clearTimeout(editor.saveTimer);
  if (editor.saving) await editor.saving;
  if (editor.dirty) await save();
  return !editor.conflict && !editor.dirty;
}

function save({ revision } = {}) {
  // One save at a time: a new keystroke while saving marks dirty again, saved next.
  if (editor.saving || editor.conflict) return editor.saving;
  const cue = currentCue();
  if (!cue || !editor.dirty) return null;
  const mine = { text: els.text.value, start: cue.start, end: cue.end };
  editor.dirty = false;
  setStatus("saving");
  editor.saving = api(cueUrl(cue, ""), { method: "POST",
    body: { ...mine, revision: revision ?? cue.revision } })
    .then(({ status, data }) => {
      if (status === 200) {
        replaceCue(data.cue);
        if (currentCue()?.id === cue.id && !editor.dirty) {
          showIssues(data.cue.qa || []);
          showState();
        }
        renderList();
        setStatus(editor.dirty ? "unsaved" : "saved");
      } else if (status === 409) {
        editor.dirty = true;
        openConflict(cue, data.current, mine);
      } else {
        editor.dirty = true;
        setStatus("error", data.error || status);
      }
    })
    .catch((error) => { editor.dirty = true; setStatus("error", error.message); })
    .finally(() => {
      editor.saving = null;
      if (editor.dirty && !editor.conflict && status409Free()) {
        editor.saveTimer = setTimeout(() => save(), AUTOSAVE_DELAY);
      }
    });
  return editor.saving;
}

const status409Free = () => els.saveStatus.dataset.status !== "error";

function openConflict(cue, theirs, mine) {
  editor.conflict = { cue, theirs, mine };
  setStatus("conflict");
  $("conflict-theirs").textContent =
    `${formatTime(theirs.start)} → ${formatTime(theirs.end)}\n${theirs.text}`;
  $("conflict-mine").textContent = `${formatTime(mine.start)} → ${formatTime(mine.end)}\n${mine.text}`;
  els.conflict.showModal();
  $("conflict-keep-mine").focus();
}

function resolveConflict(keepMine) {
  const { cue, theirs, mine } = editor.conflict;
  editor.conflict = null;
  els.conflict.close();
  const position = replaceCue({ ...theirs });
  if (keepMine) {
    // Save mine over the version just seen: a deliberate choice, not a silent overwrite.
    editor.cues[position] = { ...editor.cues[position], start: mine.start, end: mine.end };
    editor.dirty = true;
    save({ revision: theirs.revision });
  } else {
    editor.dirty = false;
    if (currentCue()?.id === cue.id) {
      els.text.value = theirs.text;
      showTimes();
      updateCounters();
    }
    setStatus("saved");
  }
  renderList();
  els.text.focus();
}

function editable() {
  return !editor.abilities.edit;
}

function applyAbilities() {
  const { abilities, track } = editor;
  els.text.readOnly = !!abilities.edit;
  els.start.readOnly = els.end.readOnly = !!abilities.edit;
  els.lockBanner.hidden = !track.locked;
  $("reopen-button").hidden = !!abilities.reopen;
  els.readonlyBanner.hidden = !abilities.edit || track.locked;
  els.readonlyBanner.textContent = abilities.edit;
  for (const button of document.querySelectorAll(".cue-actions [data-action]")) {
    const review = ["approve", "reject"].includes(button.dataset.action);
    const reason = review ? abilities.review : abilities.edit;
    button.disabled = !!reason;
    button.title = reason || "";
  }
}

// --- timing ----------------------------------------------------------------------------------------

function setTimes(start, end) {
  const cue = currentCue();
  if (!cue || !editable()) return;
  start = Math.max(0, Math.round(start));
  end = Math.round(end);
  if (end <= start) return; // the server refuses it too; keep the last good times
  cue.start = start;
  cue.end = end;
  showTimes();
  drawWaveform();
  markDirty();
}

function playerMs() {
  return els.player ? Math.round(els.player.currentTime * 1000) : null;
}

function playCurrent() {
  const cue = currentCue();
  if (!cue || !els.player) return;
  els.player.currentTime = cue.start / 1000;
  editor.playUntil = cue.end / 1000;
  els.player.play();
}

function positionAt(ms) {
  // Binary search on start times: the last cue starting at or before ms, if it covers ms.
  let low = 0, high = editor.cues.length - 1, found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (editor.cues[middle].start <= ms) { found = middle; low = middle + 1; }
    else high = middle - 1;
  }
  return found >= 0 && editor.cues[found].end > ms ? found : -1;
}

function followPlayer() {
  // Runs every animation frame while playing: highlight the cue under the playhead.
  const player = els.player;
  if (!player) return;
  if (editor.playUntil !== null && player.currentTime >= editor.playUntil) {
    player.pause();
    editor.playUntil = null;
  }
  const ms = player.currentTime * 1000;
  const position = positionAt(ms);
  if (position !== editor.playingPosition) {
    editor.playingPosition = position;
    if (position >= 0 && !player.paused) scrollIntoView(position);
    renderList();
  }
  if (els.overlay) {
    const cue = editor.cues[position];
    els.overlay.textContent = cue ? (position === editor.position ? els.text.value : cue.text) : "";
  }
  drawWaveform();
  if (!player.paused) requestAnimationFrame(followPlayer);
}

// --- waveform --------------------------------------------------------------------------------------

const waveView = { from: 0, to: 10000 }; // the visible span, in ms
let drag = null;

function drawWaveform() {
  const canvas = els.waveform, cue = currentCue();
  if (!canvas || !cue) return;
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  if (canvas.width !== width * ratio) { canvas.width = width * ratio; canvas.height = height * ratio; }
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  if (!drag) {
    // Keep the current cue in view with some context on both sides.
    const span = Math.max(8000, (cue.end - cue.start) + 4000);
    const middle = (cue.start + cue.end) / 2;
    waveView.from = Math.max(0, middle - span / 2);
    waveView.to = waveView.from + span;
  }
  const x = (ms) => ((ms - waveView.from) / (waveView.to - waveView.from)) * width;
  // Neighbouring cues, then the current one with its two handles.
  context.fillStyle = "rgba(91, 100, 117, .12)";
  for (let p = Math.max(0, editor.position - 4); p < Math.min(editor.cues.length, editor.position + 5); p++) {
    if (p !== editor.position) {
      const other = editor.cues[p];
      context.fillRect(x(other.start), 0, x(other.end) - x(other.start), height);
    }
  }
  context.fillStyle = "rgba(36, 86, 214, .18)";
  context.fillRect(x(cue.start), 0, x(cue.end) - x(cue.start), height);
  if (editor.peaks?.peaks.length) {
    const { peaks, peaks_per_second: perSecond } = editor.peaks;
    context.strokeStyle = "#2b3447";
    context.beginPath();
    for (let pixel = 0; pixel < width; pixel++) {
      const fromMs = waveView.from + (pixel / width) * (waveView.to - waveView.from);
      const toMs = waveView.from + ((pixel + 1) / width) * (waveView.to - waveView.from);
      let loudest = 0;
      for (let i = Math.floor(fromMs * perSecond / 1000); i < Math.ceil(toMs * perSecond / 1000) && i < peaks.length; i++) {
        loudest = Math.max(loudest, peaks[i]);
      }
      const half = (loudest / 255) * (height / 2 - 2);
      context.moveTo(pixel + 0.5, height / 2 - half);
      context.lineTo(pixel + 0.5, height / 2 + half);
    }
    context.stroke();
  }
  drawShotChanges(context, x, height);
  context.fillStyle = "#2456d6";
  for (const edge of [cue.start, cue.end]) context.fillRect(x(edge) - 2, 0, 4, height);
  if (els.player) {
    context.fillStyle = "#b42318";
    context.fillRect(x(els.player.currentTime * 1000), 0, 1, height);
  }
}

function waveformMs(event) {
  const rect = els.waveform.getBoundingClientRect();
  return waveView.from + ((event.clientX - rect.left) / rect.width) * (waveView.to - waveView.from);
}

function onWavePointerDown(event) {
  const cue = currentCue();
  if (!cue) return;
  const ms = waveformMs(event);
  const tolerance = ((waveView.to - waveView.from) / els.waveform.clientWidth) * 6;
  const edge = Math.abs(ms - cue.start) <= tolerance ? "start"
    : Math.abs(ms - cue.end) <= tolerance ? "end" : null;
  if (edge && editable()) {
    drag = edge;
    els.waveform.setPointerCapture(event.pointerId);
  } else if (els.player) {
    els.player.currentTime = ms / 1000;
    drawWaveform();
  }
}

function onWavePointerMove(event) {
  const cue = currentCue();
  if (!cue) return;
  if (!drag) {
    const ms = waveformMs(event);
    const tolerance = ((waveView.to - waveView.from) / els.waveform.clientWidth) * 6;
    els.waveform.style.cursor = Math.abs(ms - cue.start) <= tolerance
      || Math.abs(ms - cue.end) <= tolerance ? "ew-resize" : "pointer";
    return;
  }
  const ms = event.shiftKey ? waveformMs(event) : snapToShot(drag, waveformMs(event));
  if (drag === "start") setTimes(Math.min(ms, cue.end - frameMs()), cue.end);
  else setTimes(cue.start, Math.max(ms, cue.start + frameMs()));
}

function onWavePointerUp() { drag = null; drawWaveform(); }

async function loadWaveform() {
  if (!config.has_media) return;
  const { ok, data } = await api(config.waveform);
  if (ok) { editor.peaks = data; drawWaveform(); }
}

// --- shot changes --------------------------------------------------------------------------------
// The cuts of the track's video (a shot detection run), drawn as marks on the waveform.
// Dragging an edge near a cut snaps it as QA's shot_change rule wants (qa/shot_checks.py,
// with the windows the server sends): an in-time onto the cut, or 12 frames before it when
// it is 9 to 11 frames early; an out-time 2 frames before the cut. Shift drags freely.

const SHOT_COLOUR = "#d97706";

async function loadShotChanges() {
  if (!config.shots) return;
  const { ok, data } = await api(config.shots);
  if (ok) { editor.shots = data; drawWaveform(); }
}

function firstShotFrom(ms) {
  const times = editor.shots.times_ms;
  let low = 0, high = times.length;
  while (low < high) { const middle = (low + high) >> 1; if (times[middle] < ms) low = middle + 1; else high = middle; }
  return low;
}

function drawShotChanges(context, x, height) {
  if (!editor.shots?.times_ms.length) return;
  const times = editor.shots.times_ms, drawn = [];
  context.fillStyle = SHOT_COLOUR;
  for (let i = firstShotFrom(waveView.from); i < times.length && times[i] <= waveView.to; i++) {
    context.fillRect(Math.round(x(times[i])) - 1, 0, 2, height);
    drawn.push(times[i]);
  }
  els.waveform.dataset.shotChanges = drawn.join(" ");
}

function snapToShot(edge, ms) {
  const shots = editor.shots;
  if (!shots?.windows || !shots.frames.length) return ms;
  const { window: reach, snap_before: snapBefore, gap } = shots.windows;
  const frameOf = (time) => Math.round(time * shots.frame_rate / 1000);
  const msOf = (frame) => Math.round(frame * 1000 / shots.frame_rate);
  const frame = frameOf(ms);
  let cut = null;
  for (let i = Math.max(0, firstShotFrom(msOf(frame - reach)) - 1); i < shots.frames.length; i++) {
    const candidate = shots.frames[i];
    if (candidate - frame >= reach) break;
    // The nearest cut less than a window away; the earlier one on a tie.
    if (Math.abs(frame - candidate) < reach
        && (cut === null || Math.abs(frame - candidate) < Math.abs(frame - cut))) cut = candidate;
  }
  if (cut === null) return ms;
  if (edge === "end") return msOf(cut - gap);
  if (frame >= cut || cut - frame <= snapBefore) return msOf(cut);
  return msOf(cut - reach);
}

// --- workflow, split, merge, undo ----------------------------------------------------------------

async function changeState(action, comment = "") {
  const cue = currentCue();
  if (!cue || !(await flushSave())) return false;
  const { status, data } = await api(cueUrl(cue, "state"), { method: "POST",
    body: { action, revision: cue.revision, comment } });
  if (status === 409) { openConflict(cue, data.current, { ...cue, text: els.text.value }); return false; }
  if (status !== 200) { setStatus("error", data.error); return false; }
  replaceCue(data.cue);
  editor.track = data.track;
  editor.abilities = data.abilities;
  applyAbilities();
  showState();
  renderList();
  setStatus("saved");
  loadHistory(cue);
  if (comment) loadComments(cue);
  return true;
}

async function advanceAfter(action) {
  // "Done, next" on a cue the translator's edit already marked translated just moves on.
  const already = action === "translated" && currentCue()?.state === "translated";
  const done = already ? await flushSave() : await changeState(action);
  if (done && editor.position < editor.cues.length - 1) {
    await select(editor.position + 1);
  }
}

function openReject() {
  if (editor.abilities.review) { setStatus("error", editor.abilities.review); return; }
  $("reject-comment").value = "";
  els.reject.showModal();
  $("reject-comment").focus();
}

async function sendReject() {
  const comment = $("reject-comment").value.trim();
  if (!comment) { $("reject-comment").placeholder = T.reject_needs_comment; return; }
  els.reject.close();
  await changeState("reject", comment);
  els.text.focus();
}

async function split() {
  const cue = currentCue();
  if (!cue || !editable() || !(await flushSave())) return;
  const playhead = playerMs();
  const at = playhead && playhead > cue.start && playhead < cue.end
    ? playhead : Math.round((cue.start + cue.end) / 2);
  const caret = els.text.selectionStart ?? Math.floor(els.text.value.length / 2);
  const { status, data } = await api(cueUrl(cue, "split"), { method: "POST", body: {
    at, left: els.text.value.slice(0, caret), right: els.text.value.slice(caret),
    revision: cue.revision } });
  if (status !== 200) { handleFailure(cue, status, data); return; }
  await reload(data.cues[0].id);
}

async function merge() {
  const cue = currentCue(), next = editor.cues[editor.position + 1];
  if (!cue || !editable()) return;
  if (!next) { setStatus("error", T.last_cue); return; }
  if (!(await flushSave())) return;
  const { status, data } = await api(cueUrl(cue, "merge"), { method: "POST",
    body: { revision: cue.revision, next_revision: next.revision } });
  if (status !== 200) { handleFailure(cue, status, data); return; }
  await reload(data.cue.id);
}

async function undo() {
  // The editor's undo goes back to the previous saved version of the cue, as a new
  // revision; typing inside the text box has the browser's own Ctrl+Z.
  const cue = currentCue();
  if (!cue || !editable() || !(await flushSave())) return;
  const { data } = await api(cueUrl(cue, "history"));
  const previous = (data.revisions || []).find((item) => item.revision < cue.revision
    && (item.text !== cue.text || item.start !== cue.start || item.end !== cue.end));
  if (!previous) { setStatus("error", T.nothing_to_undo); return; }
  await revert(previous.id);
}

async function revert(revisionId) {
  const cue = currentCue();
  const { status, data } = await api(cueUrl(cue, "revert"), { method: "POST",
    body: { revision_id: revisionId, revision: cue.revision } });
  if (status !== 200) { handleFailure(cue, status, data); return; }
  replaceCue(data.cue);
  els.text.value = data.cue.text;
  showTimes();
  showState();
  showIssues(data.cue.qa || []);
  updateCounters();
  renderList();
  drawWaveform();
  setStatus("saved");
  loadHistory(cue);
}

function handleFailure(cue, status, data) {
  if (status === 409) openConflict(cue, data.current, { ...cue, text: els.text.value });
  else setStatus("error", data.error || status);
}

async function reload(selectId) {
  const { ok, data } = await api(config.cues);
  if (!ok) { setStatus("error", data.error); return; }
  editor.cues = data.cues;
  editor.track = data.track;
  editor.abilities = data.abilities;
  applyAbilities();
  editor.dirty = false;
  const position = Math.max(0, editor.cues.findIndex((cue) => cue.id === selectId));
  await select(position, { seek: false });
  setStatus("saved");
}

// --- memory, glossary, comments, history -----------------------------------------------------

async function loadAssist(cue) {
  const { ok, data } = await api(cueUrl(cue, "assist"));
  if (!ok || currentCue()?.id !== cue.id) return;
  els.memory.replaceChildren(...(data.memory.length ? data.memory.map((match) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link-button";
    button.textContent = `${match.percent}% · ${match.target}`;
    button.title = `${match.source} — ${T.memory_use}`;
    button.addEventListener("click", () => {
      els.text.value = match.target;
      markDirty();
      els.text.focus();
    });
    item.append(button);
    return item;
  }) : [textItem(T.no_memory, "muted")]));
  els.glossary.replaceChildren(...(data.glossary.length ? data.glossary.map((term) =>
    textItem(`${term.source} → ${term.rendering || "—"} (${term.kind})${term.note ? " · " + term.note : ""}`))
    : [textItem(T.no_glossary, "muted")]));
}

function textItem(text, className = "") {
  const item = document.createElement("li");
  item.textContent = text;
  if (className) item.className = className;
  return item;
}

async function loadComments(cue) {
  const { ok, data } = await api(cueUrl(cue, "comments"));
  if (ok && currentCue()?.id === cue.id) showComments(data.comments);
}

function showComments(comments) {
  if (!comments.length) { els.comments.replaceChildren(textItem(T.no_comments, "muted")); return; }
  els.comments.replaceChildren(...comments.map((comment) => {
    const item = textItem("", comment.rejection ? "rejection" : "");
    if (comment.parent) item.classList.add("reply");
    item.innerHTML = `<strong></strong> <small></small><div></div>`;
    item.querySelector("strong").textContent =
      comment.author + (comment.rejection ? ` · ${T.rejection}` : "");
    item.querySelector("small").textContent = new Date(comment.created_at).toLocaleString();
    item.querySelector("div").textContent = comment.text;
    const reply = document.createElement("button");
    reply.type = "button";
    reply.className = "link-button";
    reply.textContent = T.reply;
    reply.addEventListener("click", () => {
      els.commentText.dataset.parent = comment.id;
      els.commentText.focus();
    });
    item.append(reply);
    return item;
  }));
}

async function sendComment() {
  const cue = currentCue(), text = els.commentText.value.trim();
  if (!cue || !text) return;
  const { ok, data } = await api(cueUrl(cue, "comments"), { method: "POST",
    body: { text, parent: els.commentText.dataset.parent || null } });
  if (!ok) { setStatus("error", data.error); return; }
  els.commentText.value = "";
  delete els.commentText.dataset.parent;
  showComments(data.comments);
  replaceCue({ id: cue.id, comments: data.comments.length });
  els.text.focus();
}

async function loadHistory(cue) {
  const { ok, data } = await api(cueUrl(cue, "history"));
  if (!ok || currentCue()?.id !== cue.id) return;
  els.history.replaceChildren(...data.revisions.map((revision) => {
    const item = document.createElement("li");
    item.innerHTML = `<strong></strong> <small></small><pre></pre>`;
    item.querySelector("strong").textContent =
      `r${revision.revision} · ${T.actions[revision.action] || revision.action} · ${revision.author || T.by_machine}`;
    item.querySelector("small").textContent = new Date(revision.created_at).toLocaleString();
    item.querySelector("pre").textContent =
      `${formatTime(revision.start)} → ${formatTime(revision.end)} · ${T.states[revision.state]}\n${revision.text}`;
    if (revision.revision !== currentCue().revision && editable()) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = T.revert;
      button.addEventListener("click", async () => { if (await flushSave()) revert(revision.id); });
      item.append(button);
    }
    return item;
  }));
}

// --- keyboard --------------------------------------------------------------------------------------

const typing = (target) => ["TEXTAREA", "INPUT", "SELECT"].includes(target.tagName);

function toggleHelp() {
  if (els.help.open) els.help.close(); else els.help.showModal();
}

function onKeyDown(event) {
  if (els.conflict.open || (els.reject.open && event.key !== "Enter")) return;
  const key = event.code;
  const alt = event.altKey && !event.ctrlKey && !event.metaKey;
  const ctrl = (event.ctrlKey || event.metaKey) && !event.altKey;
  let handled = true;
  if (key === "F1" || (event.key === "?" && !typing(event.target))) toggleHelp();
  else if (els.reject.open && ctrl && event.key === "Enter") sendReject();
  else if (event.target === els.commentText && ctrl && event.key === "Enter") sendComment();
  else if (ctrl && event.key === "Enter") advanceAfter("translated");
  else if (ctrl && key === "KeyS") { clearTimeout(editor.saveTimer); save(); }
  else if (alt && key === "ArrowDown") select(editor.position + 1);
  else if (alt && key === "ArrowUp") select(editor.position - 1);
  else if (alt && !event.shiftKey && key === "ArrowLeft") nudge("start", -1);
  else if (alt && !event.shiftKey && key === "ArrowRight") nudge("start", 1);
  else if (event.altKey && event.shiftKey && key === "ArrowLeft") nudge("end", -1);
  else if (event.altKey && event.shiftKey && key === "ArrowRight") nudge("end", 1);
  else if (alt && key === "KeyP") playCurrent();
  else if (alt && key === "KeyK") togglePlay();
  else if (alt && key === "KeyI") { const ms = playerMs(); if (ms !== null) setTimes(ms, currentCue().end); }
  else if (alt && key === "KeyO") { const ms = playerMs(); if (ms !== null) setTimes(currentCue().start, ms); }
  else if (alt && key === "KeyA") advanceAfter("approve");
  else if (alt && key === "KeyX") openReject();
  else if (alt && key === "KeyR") changeState("needs_review");
  else if (alt && key === "KeyS") split();
  else if (alt && key === "KeyM") merge();
  else if (alt && key === "KeyZ") undo();
  else if (alt && key === "KeyC") els.commentText.focus();
  else if (alt && key === "KeyE") els.text.focus();
  else if (alt && key === "KeyL") els.list.focus();
  else if (event.target === els.list && ["ArrowDown", "ArrowUp"].includes(event.key)) {
    select(editor.position + (event.key === "ArrowDown" ? 1 : -1), { focus: false });
  } else if (event.target === els.list && event.key === "Enter") els.text.focus();
  else handled = false;
  if (handled) event.preventDefault();
}

function nudge(edge, frames) {
  const cue = currentCue();
  if (!cue) return;
  const step = frames * frameMs();
  if (edge === "start") setTimes(cue.start + step, cue.end);
  else setTimes(cue.start, cue.end + step);
}

function togglePlay() {
  if (!els.player) return;
  editor.playUntil = null;
  if (els.player.paused) els.player.play(); else els.player.pause();
}

// --- start -----------------------------------------------------------------------------------------

function bind() {
  document.addEventListener("keydown", onKeyDown);
  els.list.addEventListener("scroll", () => requestAnimationFrame(renderList), { passive: true });
  els.list.addEventListener("click", (event) => {
    const rowElement = event.target.closest(".cue-row");
    if (rowElement) select(Number(rowElement.dataset.position));
  });
  els.text.addEventListener("input", markDirty);
  if (els.speaker) els.speaker.addEventListener("change", changeSpeaker);
  for (const [input, edge] of [[els.start, "start"], [els.end, "end"]]) {
    input.addEventListener("change", () => {
      const ms = parseTime(input.value), cue = currentCue();
      if (ms === null) { showTimes(); return; }
      if (edge === "start") setTimes(ms, cue.end); else setTimes(cue.start, ms);
    });
  }
  for (const button of document.querySelectorAll(".cue-actions [data-action]")) {
    button.addEventListener("click", () => ({
      translated: () => advanceAfter("translated"), needs_review: () => changeState("needs_review"),
      approve: () => advanceAfter("approve"), reject: openReject, split, merge, undo,
    })[button.dataset.action]());
  }
  $("conflict-keep-mine").addEventListener("click", () => resolveConflict(true));
  $("conflict-take-theirs").addEventListener("click", () => resolveConflict(false));
  els.conflict.addEventListener("cancel", (event) => event.preventDefault()); // must choose
  $("reject-send").addEventListener("click", sendReject);
  $("reject-cancel").addEventListener("click", () => els.reject.close());
  $("help-button").addEventListener("click", toggleHelp);
  $("reopen-button").addEventListener("click", async () => {
    const { ok, data } = await api(config.reopen, { method: "POST", body: {} });
    if (!ok) { setStatus("error", data.error); return; }
    editor.track = data.track;
    editor.abilities = data.abilities;
    applyAbilities();
  });
  if (els.waveform) {
    els.waveform.addEventListener("pointerdown", onWavePointerDown);
    els.waveform.addEventListener("pointermove", onWavePointerMove);
    els.waveform.addEventListener("pointerup", onWavePointerUp);
  }
  if (els.player) {
    els.player.addEventListener("play", () => requestAnimationFrame(followPlayer));
    els.player.addEventListener("seeked", followPlayer);
  }
  window.addEventListener("resize", () => { renderList(); drawWaveform(); });
  window.addEventListener("beforeunload", (event) => {
    if (editor.dirty || editor.saving) { save(); event.preventDefault(); }
  });
}

async function start() {
  const started = performance.now();
  const { ok, data } = await api(config.cues);
  if (!ok) { setStatus("error", data.error); return; }
  Object.assign(editor, { cues: data.cues, track: data.track, abilities: data.abilities,
                          profile: data.profile });
  bind();
  applyAbilities();
  const fromHash = Number((location.hash.match(/^#cue-(\d+)$/) || [])[1]);
  const position = Math.max(0, editor.cues.findIndex((cue) => cue.index === fromHash));
  if (editor.cues.length) await select(position, { seek: false });
  document.body.dataset.editorReady = String(Math.round(performance.now() - started));
  loadWaveform();
  loadShotChanges();
}

start();

// The latest dub plays along with the main player when "Play the dub with the player" is on:
// it follows play, pause and seeking, with the original muted while it plays.
(function followDub() {
  const player = document.getElementById("player");
  const dub = document.getElementById("dub-player");
  const follow = document.getElementById("dub-follow");
  if (!player || !dub || !follow) return;
  const sync = () => {
    if (!follow.checked) return;
    if (Math.abs(dub.currentTime - player.currentTime) > 0.25) dub.currentTime = player.currentTime;
  };
  player.addEventListener("play", () => {
    if (!follow.checked) return;
    player.muted = true;
    sync();
    dub.play().catch(() => {});
  });
  player.addEventListener("pause", () => { dub.pause(); player.muted = false; });
  player.addEventListener("seeked", sync);
  player.addEventListener("timeupdate", sync);
  follow.addEventListener("change", () => {
    if (!follow.checked) { dub.pause(); player.muted = false; }
  });
})();
