/// The page's CSS: laptop screens first, and a print layout (A4, one section per page, no navigation).
enum Stylesheet {
    static let css = """
    :root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --soft: #f6f8fa; --good: #1a7f37; --bad: #b3261e; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
    header.top { padding: 18px 28px 10px; border-bottom: 1px solid var(--line); }
    header.top h1 { margin: 0 0 4px; font-size: 24px; }
    header.top p { margin: 2px 0; color: var(--muted); }
    nav { position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid var(--line); padding: 6px 28px; }
    nav a { margin-right: 18px; color: #0550ae; text-decoration: none; font-weight: 600; }
    main { max-width: 1240px; padding: 0 28px 40px; }
    section { margin-top: 26px; }
    h2 { font-size: 21px; border-bottom: 2px solid var(--ink); padding-bottom: 4px; margin: 0 0 12px; }
    h3 { font-size: 17px; margin: 22px 0 8px; }
    .note { color: var(--muted); font-size: 13.5px; margin: 4px 0 10px; }
    .warning { background: #fff8c5; border: 1px solid #d4a72c; padding: 8px 12px; border-radius: 6px; }
    .cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 14px 0; }
    .card { border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 150px; background: var(--soft); }
    .card b { display: block; font-size: 22px; }
    .card span { color: var(--muted); font-size: 13px; }
    .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 18px; }
    figure { margin: 0; break-inside: avoid; }
    figure.chart { border: 1px solid var(--line); border-radius: 8px; padding: 10px; }
    figure.chart .canvas { position: relative; width: 100%; }
    figcaption { color: var(--muted); font-size: 13px; margin-top: 6px; }
    details { margin: 6px 0; }
    details > summary { cursor: pointer; color: #0550ae; font-size: 13.5px; }
    table { border-collapse: collapse; margin: 6px 0 12px; font-size: 14px; }
    th, td { border: 1px solid var(--line); padding: 3px 9px; text-align: left; vertical-align: top; }
    th { background: var(--soft); }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    .scroll { overflow-x: auto; }
    pre { background: var(--soft); border: 1px solid var(--line); padding: 10px; overflow-x: auto; font-size: 13px; }
    .ok { color: var(--good); font-weight: 600; }
    .fail { color: var(--bad); font-weight: 600; }
    .grid { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-start; }
    .tile { border: 1px solid var(--line); border-radius: 6px; padding: 6px; background: var(--soft); }
    .tile img { display: block; image-rendering: pixelated; }
    .tile .label { font-size: 13px; margin-top: 4px; max-width: 420px; }
    .classrow { margin-bottom: 12px; }
    .classrow h4 { margin: 8px 0 4px; font-size: 15px; }
    .triptych { display: flex; gap: 8px; align-items: flex-start; }
    .triptych figure figcaption { text-align: center; margin-top: 2px; }
    .gallery { display: flex; flex-direction: column; gap: 12px; }
    .gallery figure.tile { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: flex-start; width: fit-content; max-width: 100%; }
    .gallery figure.tile > figcaption { margin: 0; font-size: 14px; color: var(--ink); min-width: 220px; }
    .gallery figure.tile > figcaption div { margin-bottom: 3px; }
    .colorbar { display: inline-block; margin: 4px 0 10px; }
    .colorbar img { display: block; }
    .colorbar .ticks { display: flex; justify-content: space-between; font-size: 12px; width: 240px; }
    table.heat td { width: 64px; height: 44px; text-align: center; font-weight: 600; font-variant-numeric: tabular-nums; }
    table.heat td small { display: block; font-weight: 400; font-size: 11.5px; }
    table.heat th.axis { background: #fff; border: none; color: var(--muted); font-weight: 600; white-space: nowrap; }
    .square { max-width: 600px; }
    @media print {
      @page { size: A4; margin: 12mm; }
      body { font-size: 11pt; }
      nav { display: none; }
      main { max-width: none; padding: 0; }
      header.top { padding: 0 0 8px; }
      section { break-before: page; margin-top: 0; }
      section:first-of-type { break-before: auto; margin-top: 12px; }
      /* One chart per row, redrawn at the paper's width; the tables of numbers stay on screen. */
      .charts { grid-template-columns: 1fr; }
      canvas { max-width: 100% !important; }
      details.data { display: none; }
      pre { white-space: pre-wrap; }
      .scroll { overflow: visible !important; }
      table { font-size: 9pt; }
      figure.chart { border: none; padding: 0; }
    }
    """
}
