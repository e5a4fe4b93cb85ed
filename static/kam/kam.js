/* KAM's small page behaviours (no framework beyond what the page already loads):
 * - the one confirmation / reason modal for forms with data-confirm;
 * - forms with errors scroll to the first one;
 * - charts whose bars open a filtered list (data-kam-chart);
 * - the duplicate check (查重) while a form is filled in (data-kam-dup: the URL answering with
 *   the matches; data-kam-dup-fields: the watched fields; -exclude / -customer: extra parameters);
 * - date pickers (flatpickr) on [data-kam-date] / [data-kam-datetime] (kam.core.widgets), also in
 *   fragments HTMX swaps in; a page's script adding fields calls window.kam.datePickers(element);
 * - formsets that grow in the page ([data-kam-formset]: "add another" clones the <template>, "remove"
 *   marks a row deleted);
 * - a list's column chooser (#apply-columns) and a record's HTMX tabs (#detail-tabs: the active tab).
 * No inline script or handler anywhere: the Content-Security-Policy allows only these files. */
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

  /* Date pickers. The box keeps the ISO text the server reads (dateFormat Y-m-d), typing stays
   * allowed, and the calendar speaks the page's language: zh-hans → flatpickr's zh locale with
   * weeks starting on Monday; English → flatpickr's default. disableMobile: flatpickr would hand
   * phones the native date input, whose picker follows the OS locale (the thing this replaces) and
   * shows the date in the OS's format — so phones get the same calendar, which fits a 320 px
   * screen; with a coarse pointer the box is read-only (the on-screen keyboard would cover the
   * calendar) and the calendar has a 「清除」 button instead. */
  function strictDate(text) {
    // Y-m-d (H:i): a real date or nothing — flatpickr's own parser would turn 2024-02-30 into
    // 1 March; left unparsed, the text stays as typed and the server answers with its error.
    var m = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2}))?\s*$/.exec(text);
    if (!m) { return undefined; }
    var y = +m[1], mo = +m[2] - 1, d = +m[3], h = +(m[4] || 0), mi = +(m[5] || 0);
    var date = new Date(y, mo, d, h, mi);
    if (date.getFullYear() !== y || date.getMonth() !== mo || date.getDate() !== d ||
        date.getHours() !== h || date.getMinutes() !== mi) { return undefined; }
    return date;
  }

  function datePickers(root) {
    if (!window.flatpickr || !root.querySelectorAll) { return; }
    var zh = (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0;
    var locale = zh && window.flatpickr.l10ns.zh ? Object.assign({}, window.flatpickr.l10ns.zh, { firstDayOfWeek: 1 }) : "default";
    var coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    root.querySelectorAll("input[data-kam-date], input[data-kam-datetime]").forEach(function (input) {
      if (input._flatpickr) { return; }
      var withTime = input.hasAttribute("data-kam-datetime");
      var prefix = withTime ? "kamDatetime" : "kamDate";
      var options = {
        locale: locale,
        dateFormat: withTime ? "Y-m-d H:i" : "Y-m-d",
        enableTime: withTime,
        time_24hr: true,
        allowInput: !coarse,
        disableMobile: true,
        parseDate: strictDate,
        errorHandler: function () { /* a malformed date is the server's to refuse */ },
        minDate: input.dataset[prefix + "Min"] || null,
        maxDate: input.dataset[prefix + "Max"] || null,
        onReady: function (dates, text, fp) {
          fp.calendarContainer.classList.add("kam-datepicker");
          if (!coarse) { return; }
          var clear = document.createElement("button");
          clear.type = "button";
          clear.className = "btn btn-sm btn-link kam-datepicker-clear";
          clear.textContent = input.dataset[prefix + "Clear"] || "Clear";
          clear.addEventListener("click", function () { fp.clear(); fp.close(); });
          fp.calendarContainer.appendChild(clear);
        }
      };
      var initial = input.value;
      var fp = window.flatpickr(input, options);
      // Text flatpickr cannot read (a typo, the server showing back a date it refused) stays as
      // typed — flatpickr would wipe it on blur, on a click elsewhere or on Enter, all through
      // setDate — and no day is selected; the server answers with its error.
      var setDate = fp.setDate;
      fp.setDate = function (date) {
        if (typeof date === "string" && date.trim() && !strictDate(date)) {
          fp.selectedDates = [];
          fp.latestSelectedDateObj = undefined;
          fp.redraw();
          return;
        }
        return setDate.apply(fp, arguments);
      };
      if (initial && !fp.selectedDates.length) { input.value = initial; }
    });
  }

  // A formset the user grows: <div data-kam-formset="prefix" data-kam-formset-template="id of a
  // <template>" data-kam-formset-add="id of the add button">; the template's __prefix__ becomes the
  // row's index and __num__ its number; a [data-kam-formset-remove] button ticks the row's DELETE.
  function formsets() {
    document.querySelectorAll("[data-kam-formset]").forEach(function (list) {
      var prefix = list.dataset.kamFormset;
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
      var template = document.getElementById(list.dataset.kamFormsetTemplate);
      var add = document.getElementById(list.dataset.kamFormsetAdd);
      if (!total || !template || !add) { return; }
      add.addEventListener("click", function () {
        var n = parseInt(total.value, 10);
        if (max && n >= parseInt(max.value, 10)) { return; }
        var html = template.innerHTML.replace(/__prefix__/g, String(n)).replace(/__num__/g, String(n + 1));
        list.insertAdjacentHTML("beforeend", html);
        total.value = String(n + 1);
        datePickers(list.lastElementChild);
        var first = list.lastElementChild.querySelector("input:not([type=hidden]):not([type=checkbox])");
        if (first) { first.focus(); }
      });
      list.addEventListener("click", function (event) {
        var button = event.target.closest("[data-kam-formset-remove]");
        if (!button) { return; }
        var row = button.closest("[data-kam-formset-row]");
        var del = row.querySelector("input[name$='-DELETE']");
        if (del) { del.checked = true; }
        row.classList.add("d-none");
        row.classList.add(list.dataset.kamFormsetRemovedClass || "kam-formset-removed");
      });
    });
  }

  // A list's column chooser: the ticked columns into ?columns=, back to the first page.
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("#apply-columns")) { return; }
    var keys = Array.prototype.map.call(document.querySelectorAll(".kam-column:checked"), function (e) { return e.value; });
    var url = new URL(window.location.href);
    url.searchParams.set("columns", keys.join(","));
    url.searchParams.delete("page");
    window.location.href = url.toString();
  });

  // A record's tabs load by HTMX: the clicked tab becomes the active one.
  document.addEventListener("htmx:afterRequest", function (event) {
    var link = event.target;
    if (!link.closest || !link.classList.contains("nav-link") || !link.closest("#detail-tabs")) { return; }
    document.querySelectorAll("#detail-tabs .nav-link").forEach(function (a) {
      a.classList.toggle("active", a === link);
      a.setAttribute("aria-selected", a === link ? "true" : "false");
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    scrollToFirstError();
    formsets();
    charts();
    duplicateChecks();
    datePickers(document);
  });
  document.addEventListener("htmx:load", function (event) { datePickers(event.target); });
  // for a page's own script that adds fields
  window.kam = Object.assign(window.kam || {}, { datePickers: datePickers });
})();
