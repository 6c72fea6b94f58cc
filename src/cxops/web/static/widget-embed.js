/* The cxops chat widget for a retailer's pages. Include it once:
 *   <script src="https://cx.example.com/widget/embed.js" defer></script>
 * It adds a chat button (its text from the tag's optional data-label) that opens the chat of the
 * server it came from in a frame, and closes it again. No globals, no dependencies, no inline
 * markup or styles: styles are set through the CSSOM, which a page's Content-Security-Policy
 * allows without 'unsafe-inline'. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || document.getElementById("cxops-chat-button")) {
    return;
  }
  var chatUrl = new URL("/widget", script.src).href;
  var label = script.getAttribute("data-label") || "Chat with us";
  var frame = null;

  var button = document.createElement("button");
  button.id = "cxops-chat-button";
  button.type = "button";
  button.textContent = label;
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "cxops-chat-frame");
  Object.assign(button.style, {
    position: "fixed",
    right: "1rem",
    bottom: "1rem",
    zIndex: "2147483000",
    padding: "0.7rem 1.1rem",
    border: "0",
    borderRadius: "999px",
    background: "#1f5fae",
    color: "#fff",
    font: "600 15px/1.2 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    boxShadow: "0 4px 14px rgba(0, 0, 0, 0.25)",
    cursor: "pointer"
  });

  function open() {
    if (frame === null) {
      frame = document.createElement("iframe");
      frame.id = "cxops-chat-frame";
      frame.title = "Customer chat";
      frame.src = chatUrl;
      Object.assign(frame.style, {
        position: "fixed",
        right: "1rem",
        bottom: "4.5rem",
        zIndex: "2147483000",
        width: "min(380px, calc(100vw - 2rem))",
        height: "min(560px, calc(100vh - 6rem))",
        border: "1px solid #d8dee5",
        borderRadius: "12px",
        background: "#fff",
        boxShadow: "0 8px 30px rgba(0, 0, 0, 0.2)"
      });
      document.body.appendChild(frame);
    }
    frame.hidden = false;
    frame.style.display = "block";
    button.textContent = "Close chat";
    button.setAttribute("aria-expanded", "true");
    frame.focus();
  }

  function close() {
    frame.hidden = true;
    frame.style.display = "none";
    button.textContent = label;
    button.setAttribute("aria-expanded", "false");
  }

  button.addEventListener("click", function () {
    if (frame !== null && !frame.hidden) {
      close();
    } else {
      open();
    }
  });
  document.body.appendChild(button);
})();
