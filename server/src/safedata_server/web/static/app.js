// safedata web UI: small progressive enhancement. Every page works without it (forms post, pages reload).
"use strict";
(function () {
  const $ = (sel, root) => (root || document).querySelector(sel);
  const LEVELS = [[1, "very_strong"], [5, "strong"], [10, "moderate"], [20, "weak"]];
  const level = (eps) => (LEVELS.find(([b]) => eps < b) || [0, "minimal"])[1];
  const text = (el, value) => { if (el) el.textContent = value; };
  const fmt = (v) => (v === null || v === undefined ? "—" : Number(v).toPrecision(3).replace(/\.?0+$/, ""));

  // upload with a progress bar (XMLHttpRequest reports upload progress; fetch does not)
  const upload = $("#upload-form");
  if (upload) {
    upload.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const box = $("#" + upload.dataset.progress), bar = $("progress", box), pct = $("#upload-pct");
      box.hidden = false;
      const xhr = new XMLHttpRequest();
      xhr.open("POST", upload.action);
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) { bar.value = (100 * e.loaded) / e.total; text(pct, Math.round(bar.value) + "%"); }
      });
      xhr.addEventListener("load", () => {
        if (xhr.status < 400 && xhr.responseURL) { window.location.assign(xhr.responseURL); return; }
        document.open(); document.write(xhr.responseText); document.close();
      });
      xhr.addEventListener("error", () => text(pct, "upload failed: the server could not be reached"));
      text(pct, "uploading…");
      xhr.send(new FormData(upload));
    });
  }

  // release form: epsilon slider with its level, options of the chosen synthesizer, live validation
  const release = $("#release-form");
  if (release) {
    const slider = $("#eps-slider"), exact = $("#target_epsilon"), out = $("#eps-out"), tag = $("#eps-level");
    const feedback = $("#feedback");
    let timer = null, seq = 0;
    const showLevel = () => {
      const eps = Number(exact.value), name = level(eps);
      text(out, String(eps)); text(tag, name.replace("_", " "));
      document.querySelectorAll("#levels tr[data-level]").forEach((tr) => tr.classList.toggle("current", tr.dataset.level === name));
    };
    const showOptions = () => {
      const chosen = (release.querySelector("input[name=generator_type]:checked") || {}).value;
      document.querySelectorAll("details.opts").forEach((d) => { d.hidden = d.dataset.synth !== chosen; });
    };
    const render = (body) => {
      const list = (cls, items) => items && items.length
        ? "<ul class='" + cls + "'>" + items.map((i) => "<li></li>").join("") + "</ul>" : "";
      feedback.innerHTML = "<p></p>" + list("errors", body.errors) + list("warnings", body.warnings);
      text($("p", feedback), body.is_valid
        ? "✓ Valid. Expected privacy level: " + String(body.expected_privacy_level || "none").replace("_", " ")
        : "✗ Not valid yet" + (body.detail ? ": " + body.detail : ":"));
      const fill = (sel, items) => (items || []).forEach((m, i) => text(feedback.querySelectorAll(sel + " li")[i], m));
      fill(".errors", body.errors); fill(".warnings", body.warnings);
    };
    const validate = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const mine = ++seq, data = new FormData(release);
        fetch(release.dataset.validate, { method: "POST", body: data, credentials: "same-origin",
          headers: { "X-CSRF-Token": data.get("csrf_token") } })
          .then((r) => r.json()).then((body) => { if (mine === seq) render(body); })
          .catch(() => text($("p", feedback), "The check could not reach the server."));
      }, 250);
    };
    slider.addEventListener("input", () => { exact.value = slider.value; showLevel(); validate(); });
    exact.addEventListener("input", () => { if (Number(exact.value) > 0) { slider.value = exact.value; showLevel(); validate(); } });
    release.addEventListener("change", (ev) => { if (ev.target.name === "generator_type") showOptions(); validate(); });
    showLevel(); showOptions(); validate();
  }

  // dataset page: while the profile job runs, poll its state and reload when it ends
  const profiling = $("#profile-pending");
  if (profiling) {
    const poll = () => {
      fetch(profiling.dataset.statusUrl, { credentials: "same-origin" }).then((r) => r.json()).then((j) => {
        text($("#profile-status"), j.status || "—");
        if (["queued", "running"].includes(j.status)) { setTimeout(poll, 1000); return; }
        window.location.reload();
      }).catch(() => setTimeout(poll, 3000));
    };
    setTimeout(poll, 500);
  }

  // job page: poll the status until the job ends
  const job = $("#job");
  if (job && ["queued", "running"].includes(job.dataset.status)) {
    const tick = () => {
      fetch(job.dataset.statusUrl, { credentials: "same-origin" }).then((r) => r.json()).then((j) => {
        const p = j.progress || {};
        const st = $("#job-status"); text(st, j.status); st.className = "status-" + j.status;
        text($("#job-stage"), p.stage || "—");
        text($("#job-step"), (p.step || "—") + (p.steps_total ? " (" + (p.steps_done || 0) + "/" + p.steps_total + ")" : ""));
        const unit = p.epoch ? "epoch" : (p.round ? "round" : null);
        text($("#job-epoch"), unit ? unit + " " + p[unit] + (p[unit + "s_total"] ? " of " + p[unit + "s_total"] : "") : "—");
        text($("#job-eps"), fmt(j.epsilon_spent !== null ? j.epsilon_spent : p.epsilon_spent) + " of " + fmt(j.target_epsilon));
        const bar = $("#job-bar"); bar.max = p.steps_total || 1; bar.value = j.status === "succeeded" ? bar.max : (p.steps_done || 0);
        if (j.error) { const e = $("#job-error"); text(e, j.error); e.hidden = false; }
        if (["succeeded", "failed", "cancelled"].includes(j.status)) {
          $("#job-done").hidden = j.status !== "succeeded";
          const cancel = $("#cancel-form"); if (cancel) cancel.hidden = true;
          return;
        }
        setTimeout(tick, 1000);
      }).catch(() => setTimeout(tick, 3000));
    };
    setTimeout(tick, 500);
  }
})();
