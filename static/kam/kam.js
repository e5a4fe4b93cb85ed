/* KAM's small page behaviours (no framework beyond what the page already loads):
 * - the one confirmation / reason modal for forms with data-confirm;
 * - forms with errors scroll to the first one;
 * - charts whose bars open a filtered list (data-kam-chart);
 * - the duplicate check (查重) while a form is filled in (data-kam-dup: the URL answering with
 *   the matches; data-kam-dup-fields: the watched fields; -exclude / -customer: extra parameters). */
(function () {
  "use strict";

  function openModal(form, submitter) {
    var dialog = document.getElementById("kam-modal");
    if (!dialog || typeof dialog.showModal !== "function") { return false; }
    var d = form.dataset;
    dialog.querySelector("#kam-modal-title").textContent = d.confirmTitle || d.confirm;
    dialog.querySelector("#kam-modal-message").textContent = d.confirmTitle ? d.confirm : "";
    var ok = dialog.querySelector("#kam-modal-ok");
    ok.textContent = d.confirmOk || ok.dataset.defaultLabel || "OK";
    ok.className = "btn " + (d.confirmDanger !== undefined ? "btn-danger" : "btn-primary");
    var box = dialog.querySelector("#kam-modal-reason-box");
    var reason = dialog.querySelector("#kam-modal-reason");
    var wantsReason = d.reason === "required" || d.reason === "optional";
    box.hidden = !wantsReason;
    reason.value = "";
    reason.classList.remove("is-invalid");
    if (wantsReason) { dialog.querySelector("#kam-modal-reason-label").textContent = d.reasonLabel || ""; }
    dialog.onclose = null;
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      if (dialog.returnValue !== "ok") { return; }
      if (wantsReason) {
        var input = form.querySelector("input[name=reason]") || form.appendChild(Object.assign(document.createElement("input"), { type: "hidden", name: "reason" }));
        input.value = reason.value.trim();
      }
      form.dataset.confirmed = "yes";
      if (submitter && submitter.name) {
        var extra = form.appendChild(Object.assign(document.createElement("input"), { type: "hidden", name: submitter.name, value: submitter.value }));
        extra.dataset.kamSubmitter = "1";
      }
      form.requestSubmit ? form.requestSubmit() : form.submit();
    });
    ok.onclick = function (event) {
      if (d.reason === "required" && !reason.value.trim()) {
        event.preventDefault();
        reason.classList.add("is-invalid");
        reason.focus();
      }
    };
    dialog.showModal();
    (wantsReason ? reason : ok).focus();
    return true;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || form.dataset.confirm === undefined) { return; }
    if (form.dataset.confirmed === "yes") { form.dataset.confirmed = ""; return; }
    if (openModal(form, event.submitter)) { event.preventDefault(); }
  }, true);

  function scrollToFirstError() {
    var target = document.querySelector("#form-error-summary") || document.querySelector(".is-invalid");
    if (!target) { return; }
    target.scrollIntoView({ block: "center" });
    var field = document.querySelector("input.is-invalid, select.is-invalid, textarea.is-invalid");
    if (field) { field.focus({ preventScroll: target.id === "form-error-summary" }); }
  }

  function charts() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-kam-chart]").forEach(function (el) {
      var data = JSON.parse(document.getElementById(el.dataset.kamChart).textContent);
      var chart = window.echarts.init(el);
      chart.setOption({
        grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", inverse: true, data: data.labels },
        series: [{ type: "bar", data: data.values, itemStyle: { color: "#206bc4" }, label: { show: true, position: "right" }, cursor: "pointer" }]
      });
      chart.on("click", function (params) {
        var url = (data.urls || [])[params.dataIndex];
        if (url) { window.location.href = url; }
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function duplicateChecks() {
    document.querySelectorAll("[data-kam-dup]").forEach(function (box) {
      var form = box.closest("form");
      if (!form) { return; }
      var names = box.dataset.kamDupFields.split(" ");
      var timer = null;
      var last = null;
      function check() {
        var params = new URLSearchParams();
        var any = false;
        names.forEach(function (name) {
          var input = form.elements.namedItem(name);
          var value = input && input.value ? input.value.trim() : "";
          params.set(name, value);
          if (value) { any = true; }
        });
        if (box.dataset.kamDupExclude) { params.set("exclude", box.dataset.kamDupExclude); }
        if (box.dataset.kamDupCustomer) { params.set("customer", box.dataset.kamDupCustomer); }
        var query = params.toString();
        if (query === last) { return; }
        last = query;
        if (!any) { box.innerHTML = ""; return; }
        fetch(box.dataset.kamDup + "?" + query, { headers: { "X-Requested-With": "XMLHttpRequest" }, credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) { if (html !== null && query === last) { box.innerHTML = html; } })
          .catch(function () { /* the save still checks */ });
      }
      names.forEach(function (name) {
        var input = form.elements.namedItem(name);
        if (!input || !input.addEventListener) { return; }
        input.addEventListener("change", check);
        input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(check, 700); });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    scrollToFirstError();
    charts();
    duplicateChecks();
  });
})();
