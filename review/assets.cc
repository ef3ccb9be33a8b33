// The review app's script and style sheet, embedded in the binary (no
// front-end build): boxes and crops placed from data- attributes, and the
// keyboard path through a document (next field, accept, correct, approve).
#include "review/pages.h"

namespace intake::review_pages {

std::string_view ScriptFile() {
  return R"js('use strict';
(function () {
  function numbers(text) { return (text || '').split(',').map(Number); }

  // Field boxes over the page images, in percent of the template page.
  document.querySelectorAll('figure.page').forEach(function (figure) {
    var w = Number(figure.dataset.w), h = Number(figure.dataset.h);
    if (!w || !h) return;
    figure.querySelectorAll('.box').forEach(function (box) {
      var b = numbers(box.dataset.box);
      box.style.left = (100 * b[0] / w) + '%';
      box.style.top = (100 * b[1] / h) + '%';
      box.style.width = (100 * b[2] / w) + '%';
      box.style.height = (100 * b[3] / h) + '%';
    });
  });

  // Each field's crop: the page image scaled so that the box (with a margin) fills the crop.
  document.querySelectorAll('.crop').forEach(function (crop) {
    var b = numbers(crop.dataset.box), w = Number(crop.dataset.w), h = Number(crop.dataset.h);
    var pad = 12, width = 320;
    var scale = width / (b[2] + 2 * pad);
    var height = (b[3] + 2 * pad) * scale;
    if (height > 140) { scale *= 140 / height; height = 140; width = (b[2] + 2 * pad) * scale; }
    crop.style.width = width + 'px';
    crop.style.height = height + 'px';
    crop.style.backgroundImage = 'url("' + crop.dataset.src + '")';
    crop.style.backgroundSize = (w * scale) + 'px ' + (h * scale) + 'px';
    crop.style.backgroundPosition = (-(b[0] - pad) * scale) + 'px ' + (-(b[1] - pad) * scale) + 'px';
  });

  var inputs = Array.prototype.slice.call(document.querySelectorAll('#approve .field input:not([readonly])'));
  function show(input) {
    document.querySelectorAll('.box.current').forEach(function (b) { b.classList.remove('current'); });
    var key = input.closest('.field').dataset.field;
    document.querySelectorAll('.box').forEach(function (b) {
      if (b.dataset.field === key) { b.classList.add('current'); b.scrollIntoView({block: 'nearest'}); }
    });
  }
  function go(from, step) {
    var i = inputs.indexOf(from) + step;
    if (i >= 0 && i < inputs.length) { inputs[i].focus(); inputs[i].select(); }
  }
  inputs.forEach(function (input) {
    input.addEventListener('focus', function () { show(input); });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        document.getElementById('approve').requestSubmit();
      } else if (e.key === 'Enter') {
        e.preventDefault();
        if (!e.shiftKey) input.closest('.field').classList.add('accepted');
        go(input, e.shiftKey ? -1 : 1);
      } else if (e.key === 'Escape') {
        input.blur();
      }
    });
  });
  if (inputs.length) { inputs[0].focus(); inputs[0].select(); }

  // Outside a text box: j / k move through the fields, or through the worklist rows.
  var rows = Array.prototype.slice.call(document.querySelectorAll('table.worklist tbody tr'));
  var row = -1;
  document.addEventListener('keydown', function (e) {
    var t = e.target.tagName;
    if (t === 'INPUT' || t === 'TEXTAREA' || t === 'SELECT' || e.ctrlKey || e.metaKey || e.altKey) return;
    if (rows.length && (e.key === 'j' || e.key === 'k')) {
      if (row >= 0) rows[row].classList.remove('selected');
      row = Math.max(0, Math.min(rows.length - 1, row + (e.key === 'j' ? 1 : -1)));
      rows[row].classList.add('selected');
      rows[row].scrollIntoView({block: 'nearest'});
    } else if (rows.length && e.key === 'Enter' && row >= 0) {
      var link = rows[row].querySelector('a');
      if (link) window.location = link.href;
    } else if (inputs.length && (e.key === 'j' || e.key === 'k')) {
      inputs[e.key === 'j' ? 0 : inputs.length - 1].focus();
    }
  });
})();
)js";
}

std::string_view StyleFile() {
  return R"css(body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1b1b1b; background: #f6f6f4; }
header { display: flex; gap: 1em; align-items: center; padding: .5em 1em; background: #24425e; color: #fff; }
header a.home { color: #fff; font-weight: bold; text-decoration: none; }
header .who { margin-left: auto; }
header form { margin: 0; }
main { padding: 1em; }
main.login { max-width: 22em; margin: 4em auto; background: #fff; padding: 2em; border-radius: 6px; }
main.login form { display: grid; gap: .5em; }
.message { background: #fff4d6; border: 1px solid #e0b84b; padding: .5em .8em; }
table.worklist { border-collapse: collapse; width: 100%; background: #fff; }
table.worklist th, table.worklist td { border-bottom: 1px solid #ddd; padding: .35em .6em; text-align: left; }
table.worklist tr.selected { background: #dbe9f7; }
table.worklist tr.overdue td { color: #a40000; }
.filters { display: flex; gap: 1em; margin-bottom: 1em; align-items: center; }
.meta { color: #444; }
.findings li.sev-deficient b { color: #a40000; }
.findings li.sev-pend b { color: #8a5a00; }
.layout { display: flex; gap: 1.5em; align-items: flex-start; }
.pages { flex: 1 1 55%; }
.side { flex: 1 1 45%; position: sticky; top: 0; max-height: 100vh; overflow-y: auto; }
figure.page { position: relative; margin: 0 0 1em; background: #fff; box-shadow: 0 1px 4px #0003; }
figure.page img { display: block; width: 100%; }
figure.page figcaption { position: absolute; top: 0; right: 0; background: #fffc; padding: 0 .4em; }
.box { position: absolute; border: 2px solid #2f7d32; box-sizing: border-box; }
.box.doubtful { border-color: #d35400; background: #d3540022; }
.box.current { border-color: #1565c0; border-width: 3px; }
.field { display: grid; grid-template-columns: 11em 1fr 3.5em; gap: .2em .6em; align-items: center;
  padding: .4em; border-bottom: 1px solid #e2e2e2; }
.field .crop { grid-column: 1 / -1; background-repeat: no-repeat; border: 1px solid #bbb; background-color: #fff; }
.field.doubtful { background: #fff0e6; }
.field.accepted { background: #eaf6ea; }
.field input { font: inherit; padding: .2em .3em; grid-column: 1 / 3; }
.field .conf { color: #555; font-variant-numeric: tabular-nums; }
.destinations { margin: 1em 0; }
form#deficient, form#reclassify, form#reopen { margin-top: 1.5em; display: grid; gap: .4em; }
button { font: inherit; padding: .3em .9em; }
.keys { color: #666; font-size: 12px; }
)css";
}

}  // namespace intake::review_pages
