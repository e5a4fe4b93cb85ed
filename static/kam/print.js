/* The print view's 打印 button (no inline script: the page's CSP allows only our files). */
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-kam-print]")) {
    event.preventDefault();
    window.print();
  }
});
