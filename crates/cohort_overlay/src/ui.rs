//! Drawing the overlay with egui, from the model. Nothing here reads the ECS: the plugin
//! hands the model over, and benches drive it with a bare `egui::Context`.

use core::fmt::Write as _;

use bevy_egui::egui::{
    self, Align, CollapsingHeader, Color32, Layout, RichText, ScrollArea, Sense, Ui, UiBuilder,
    vec2,
};
use egui_plot::{HLine, Line, Plot, PlotPoint, PlotPoints, Points};

use crate::config::OverlayConfig;
use crate::model::OverlayModel;
use crate::model::budget::{BAD, GOOD, WARN, frame_time_color};
use crate::model::format::{
    write_bytes, write_count, write_duration_ms, write_duration_us, write_percent, write_rate,
};
use crate::model::stats::{OverlayStats, StatLevel};
use crate::model::table::{SortColumn, SortOrder, SystemRow, visible_rows};

/// What the user asked for in this frame; the plugin carries it out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OverlayActions {
    /// Write the profiler's window as JSON.
    pub export_json: bool,
    /// Write the systems table and the frames as CSV.
    pub export_csv: bool,
    /// Switch Tracy output on or off.
    pub set_tracy: Option<bool>,
    /// Switch measuring on or off.
    pub set_profiling: Option<bool>,
}

/// The overlay's own state between frames: the filter, the sort order, the last message.
/// Window position, size and which panels are open are kept by egui for the session.
#[derive(Debug, Clone, Default)]
pub struct OverlayUiState {
    /// The systems filter.
    pub filter: String,
    /// The systems table's order.
    pub sort: SortOrder,
    /// The last export's result.
    pub status: String,
    scratch: String,
}

/// Rows of the systems table drawn above and below the viewport.
const OVERSCAN: usize = 2;
/// Height of the systems list.
const TABLE_HEIGHT: f32 = 190.0;
/// Width of each column of the systems table, in [`SortColumn::ALL`] order.
const COLUMN_WIDTHS: [f32; 8] = [196.0, 84.0, 58.0, 58.0, 58.0, 52.0, 60.0, 42.0];
/// Width of the pin column.
const PIN_WIDTH: f32 = 18.0;
/// Width of the simulation window.
const SIDE_WIDTH: f32 = 330.0;

fn rgb(color: [u8; 3]) -> Color32 {
    Color32::from_rgb(color[0], color[1], color[2])
}

/// Runs one egui pass of a `width` × `height` screen without a window, as `bevy_egui`
/// does each frame (begin, `draw`, end), and returns its output: how tests and benches
/// draw the overlay into a bare `egui::Context`. The font atlas in the output is dropped,
/// as no renderer takes it.
pub fn offscreen_pass(
    ctx: &egui::Context,
    width: f32,
    height: f32,
    draw: impl FnOnce(&egui::Context),
) -> egui::FullOutput {
    ctx.begin_pass(egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            vec2(width, height),
        )),
        ..egui::RawInput::default()
    });
    draw(ctx);
    let mut output = ctx.end_pass();
    output.textures_delta.clear();
    output
}

/// Draws the overlay's two windows into `ctx` (`cohort profiler`: frame, systems and
/// allocations; `cohort simulation`: simulation figures, hitch capture, export and Tracy)
/// and returns what the user clicked.
///
/// Call it between `Context::begin_pass` and `end_pass` (`bevy_egui`'s
/// `EguiPrimaryContextPass`, or `Context::run`).
pub fn draw_overlay(
    ctx: &egui::Context,
    model: &mut OverlayModel,
    state: &mut OverlayUiState,
    stats: &OverlayStats,
    config: &mut OverlayConfig,
) -> OverlayActions {
    let mut actions = OverlayActions::default();
    let style = ctx.global_style();
    let fill = style
        .visuals
        .window_fill
        .gamma_multiply(config.opacity.clamp(0.2, 1.0));
    let frame = egui::Frame::window(&style).fill(fill);
    let screen = ctx.content_rect();
    egui::Window::new("cohort profiler")
        .id(egui::Id::new("cohort_overlay"))
        .default_pos(config.default_position)
        .default_width(COLUMN_WIDTHS.iter().sum::<f32>() + PIN_WIDTH + 30.0)
        .default_height(screen.height() - 2.0 * config.default_position[1] - 30.0)
        .frame(frame)
        .resizable(true)
        .vscroll(true)
        .show(ctx, |ui| {
            if model.profiler_missing {
                ui.colored_label(
                    rgb(WARN),
                    "no figures: add cohort_profiler's ProfilerPlugin to the app",
                );
            }
            header(ui, model, state, config, &mut actions);
            CollapsingHeader::new("Frame")
                .default_open(true)
                .show(ui, |ui| frame_panel(ui, model, state, config));
            CollapsingHeader::new("Systems")
                .default_open(true)
                .show(ui, |ui| systems_panel(ui, model, state));
            CollapsingHeader::new("Allocations")
                .default_open(true)
                .show(ui, |ui| allocations_panel(ui, model, state));
        });
    // The second window starts at the top right of the screen.
    egui::Window::new("cohort simulation")
        .id(egui::Id::new("cohort_overlay_simulation"))
        .default_pos([
            screen.right() - SIDE_WIDTH - 24.0,
            config.default_position[1],
        ])
        .default_width(SIDE_WIDTH)
        .frame(frame)
        .resizable(true)
        .show(ctx, |ui| {
            CollapsingHeader::new("Simulation")
                .default_open(true)
                .show(ui, |ui| simulation_panel(ui, stats));
            CollapsingHeader::new("Hitch capture")
                .default_open(false)
                .show(ui, |ui| hitch_panel(ui, model, state));
            CollapsingHeader::new("Export and Tracy")
                .default_open(false)
                .show(ui, |ui| export_panel(ui, model, state, &mut actions));
        });
    actions
}

fn header(
    ui: &mut Ui,
    model: &OverlayModel,
    state: &mut OverlayUiState,
    config: &mut OverlayConfig,
    actions: &mut OverlayActions,
) {
    let text = &mut state.scratch;
    ui.horizontal(|ui| {
        let stats = &model.frame.stats;
        text.clear();
        let _ = write!(text, "{:.0} FPS", stats.per_second);
        let color = rgb(frame_time_color(stats.p95_ms, &config.budget_lines_ms));
        ui.label(
            RichText::new(text.as_str())
                .size(18.0)
                .strong()
                .color(color),
        );
        text.clear();
        let (mean, max) = model.cost.build_mean_max_us();
        text.push_str("overlay: UI ");
        write_duration_us(text, mean);
        text.push_str(" (max ");
        write_duration_us(text, max);
        text.push_str("), gather ");
        write_duration_us(text, model.cost.gather_us);
        text.push_str(", egui ");
        write_duration_us(text, model.cost.egui_systems_us);
        ui.label(RichText::new(text.as_str()).small().weak())
            .on_hover_text(
                "CPU time to build this UI each frame (mean and max of the last 120), \
                 to gather its figures, and bevy_egui's own systems in the last frame",
            );
    });
    ui.horizontal(|ui| {
        let mut profiling = model.profiling;
        if ui.checkbox(&mut profiling, "measuring").changed() {
            actions.set_profiling = Some(profiling);
        }
        ui.add(
            egui::Slider::new(&mut config.opacity, 0.2..=1.0)
                .text("opacity")
                .fixed_decimals(2),
        );
        text.clear();
        let _ = write!(text, "{:?} hides", config.toggle_key);
        ui.label(RichText::new(text.as_str()).small().weak());
    });
}

fn frame_panel(
    ui: &mut Ui,
    model: &OverlayModel,
    state: &mut OverlayUiState,
    config: &OverlayConfig,
) {
    let frame = &model.frame;
    let text = &mut state.scratch;
    let stats = &frame.stats;
    ui.horizontal_wrapped(|ui| {
        for (label, ms) in [
            ("p50", stats.p50_ms),
            ("p95", stats.p95_ms),
            ("p99", stats.p99_ms),
            ("max", stats.max_ms),
        ] {
            text.clear();
            text.push_str(label);
            text.push(' ');
            write_duration_ms(text, ms);
            ui.label(
                RichText::new(text.as_str())
                    .monospace()
                    .color(rgb(frame_time_color(ms, &config.budget_lines_ms))),
            );
        }
        text.clear();
        let _ = write!(text, "1% low {:.0} FPS", stats.low_1pct_per_second);
        ui.label(RichText::new(text.as_str()).monospace());
    });
    ui.horizontal_wrapped(|ui| {
        let ticks = &frame.ticks;
        text.clear();
        text.push_str("sim tick ");
        write_duration_ms(text, ticks.mean_ms);
        text.push_str(" mean, ");
        write_duration_ms(text, ticks.p95_ms);
        text.push_str(" p95, ");
        write_duration_ms(text, ticks.max_ms);
        let _ = write!(text, " max; {:.1} ticks/s", frame.ticks_per_second);
        ui.label(RichText::new(text.as_str()).monospace());
        text.clear();
        let _ = write!(text, "hitches {}", frame.hitches_total);
        ui.label(
            RichText::new(text.as_str())
                .monospace()
                .color(if frame.hitches_total > 0 {
                    rgb(WARN)
                } else {
                    ui.visuals().text_color()
                }),
        );
    });
    let top = config
        .budget_lines_ms
        .last()
        .copied()
        .unwrap_or(0.0)
        .max(stats.max_ms)
        * 1.05;
    Plot::new("cohort_overlay_frame_ms")
        .height(95.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_x(false)
        .include_x(0.0)
        .include_x(frame.frame_ms.len().max(2) as f64 - 1.0)
        .include_y(0.0)
        .include_y(top)
        .y_axis_label("ms")
        .show(ui, |plot| {
            let points: Vec<PlotPoint> = frame
                .frame_ms
                .iter()
                .enumerate()
                .map(|(x, &ms)| PlotPoint::new(x as f64, ms))
                .collect();
            plot.line(
                Line::new("frame", PlotPoints::Owned(points))
                    .color(Color32::from_rgb(120, 170, 255))
                    .width(1.0),
            );
            for &line in &config.budget_lines_ms {
                plot.hline(
                    HLine::new("budget", line)
                        .color(
                            rgb(frame_time_color(line, &config.budget_lines_ms))
                                .gamma_multiply(0.7),
                        )
                        .width(1.0),
                );
            }
            if !frame.hitches.is_empty() {
                let hitches: Vec<PlotPoint> = frame
                    .hitches
                    .iter()
                    .map(|&x| PlotPoint::new(x as f64, frame.frame_ms[x]))
                    .collect();
                plot.points(
                    Points::new("hitch", PlotPoints::Owned(hitches))
                        .color(rgb(BAD))
                        .radius(3.0),
                );
            }
        });
}

fn systems_panel(ui: &mut Ui, model: &mut OverlayModel, state: &mut OverlayUiState) {
    let table = &mut model.systems;
    ui.horizontal(|ui| {
        ui.label("filter");
        ui.add(
            egui::TextEdit::singleline(&mut state.filter)
                .hint_text("name or schedule")
                .desired_width(160.0),
        );
        ui.checkbox(&mut table.show_schedule_runners, "schedule runners");
    });
    table.arrange(&state.filter, state.sort);
    let text = &mut state.scratch;
    text.clear();
    let _ = write!(
        text,
        "{} of {} systems; click a header to sort, a circle to pin",
        table.visible_len(),
        table.rows().len()
    );
    ui.label(RichText::new(text.as_str()).small().weak());
    // The header.
    ui.horizontal(|ui| {
        ui.add_sized([PIN_WIDTH, 16.0], egui::Label::new(""));
        for (column, width) in SortColumn::ALL.into_iter().zip(COLUMN_WIDTHS) {
            let selected = state.sort.column == column;
            let response = ui.add_sized(
                [width, 16.0],
                egui::Button::selectable(selected, RichText::new(column.header()).small().strong()),
            );
            if selected {
                sort_mark(ui, response.rect, state.sort.descending);
            }
            if response.clicked() {
                state.sort = state.sort.clicked(column);
            }
        }
    });
    let row_height = ui.text_style_height(&egui::TextStyle::Body).max(16.0);
    let spacing = ui.spacing().item_spacing.y;
    let pitch = row_height + spacing;
    let total = table.visible_len();
    let mut clicked_pin = None;
    ScrollArea::vertical()
        .id_salt("cohort_overlay_systems")
        .max_height(TABLE_HEIGHT)
        .auto_shrink([false, true])
        .show_viewport(ui, |ui, viewport| {
            ui.set_height((pitch * total as f32 - spacing).max(0.0));
            let range = visible_rows(viewport.min.y, viewport.height(), pitch, total, OVERSCAN);
            let top = ui.max_rect().top() + range.start as f32 * pitch;
            let bottom = ui.max_rect().top() + range.end as f32 * pitch;
            let rect = egui::Rect::from_x_y_ranges(ui.max_rect().x_range(), top..=bottom);
            ui.scope_builder(UiBuilder::new().max_rect(rect), |ui| {
                ui.skip_ahead_auto_ids(range.start);
                for position in range {
                    let Some(row) = table.visible_row(position) else {
                        break;
                    };
                    ui.horizontal(|ui| {
                        ui.set_height(row_height);
                        if pin_button(ui, row.pinned, row_height)
                            .on_hover_text("pin: keep at the top, past the filter")
                            .clicked()
                        {
                            clicked_pin = Some(row.index);
                        }
                        let budget_color = row.budget.color().map(rgb);
                        for (column, width) in SortColumn::ALL.into_iter().zip(COLUMN_WIDTHS) {
                            text.clear();
                            let mut rich = match column {
                                SortColumn::Name => RichText::new(row.name.as_str()),
                                SortColumn::Schedule => RichText::new(row.schedule.as_str()).weak(),
                                SortColumn::Budget => RichText::new(row.budget.label()),
                                SortColumn::Allocations if row.above_floor_per_run > 0.0 => {
                                    write_figure(text, column, row);
                                    RichText::new(text.as_str()).color(rgb(WARN))
                                }
                                _ => {
                                    write_figure(text, column, row);
                                    RichText::new(text.as_str())
                                }
                            };
                            rich = rich.monospace().small();
                            if let (Some(color), true) = (
                                budget_color,
                                matches!(column, SortColumn::Budget | SortColumn::P95),
                            ) {
                                rich = rich.color(color);
                            }
                            let label = egui::Label::new(rich).truncate();
                            let layout =
                                if matches!(column, SortColumn::Name | SortColumn::Schedule) {
                                    Layout::left_to_right(Align::Center)
                                } else {
                                    Layout::right_to_left(Align::Center)
                                };
                            let response = ui
                                .allocate_ui_with_layout(vec2(width, row_height), layout, |ui| {
                                    ui.add(label)
                                })
                                .inner;
                            if column == SortColumn::Name {
                                response.on_hover_text(row.full_name.as_str());
                            }
                        }
                    });
                }
            });
        });
    if let Some(index) = clicked_pin {
        table.toggle_pin(index);
    }
}

/// Writes `row`'s figure in a numeric `column` into `text` (nothing for the text columns).
fn write_figure(text: &mut String, column: SortColumn, row: &SystemRow) {
    match column {
        SortColumn::Mean => write_duration_us(text, row.mean_us),
        SortColumn::P95 => write_duration_us(text, row.p95_us),
        SortColumn::Max => write_duration_us(text, row.max_us),
        SortColumn::FrameShare => write_percent(text, row.frame_share),
        SortColumn::Allocations => write_rate(text, row.allocs_per_run),
        SortColumn::Name | SortColumn::Schedule | SortColumn::Budget => {}
    }
}

/// A small triangle at the right of a sorted column's header: down for largest first.
fn sort_mark(ui: &Ui, rect: egui::Rect, descending: bool) {
    let center = egui::pos2(rect.right() - 7.0, rect.center().y);
    let (tip, base) = if descending { (3.0, -3.0) } else { (-3.0, 3.0) };
    let points = vec![
        egui::pos2(center.x - 3.5, center.y + base),
        egui::pos2(center.x + 3.5, center.y + base),
        egui::pos2(center.x, center.y + tip),
    ];
    let color = ui.visuals().strong_text_color();
    ui.painter().add(egui::Shape::convex_polygon(
        points,
        color,
        egui::Stroke::NONE,
    ));
}

/// A pin: a filled circle when pinned, a ring when not.
fn pin_button(ui: &mut Ui, pinned: bool, height: f32) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(vec2(PIN_WIDTH, height), Sense::click());
    let color = if response.hovered() {
        ui.visuals().strong_text_color()
    } else {
        ui.visuals().weak_text_color()
    };
    if pinned {
        ui.painter().circle_filled(rect.center(), 4.5, rgb(WARN));
    } else {
        ui.painter()
            .circle_stroke(rect.center(), 4.0, egui::Stroke::new(1.0, color));
    }
    response
}

fn allocations_panel(ui: &mut Ui, model: &OverlayModel, state: &mut OverlayUiState) {
    let alloc = &model.allocations;
    let text = &mut state.scratch;
    if !alloc.counting && model.gathers > 0 {
        ui.colored_label(
            rgb(WARN),
            "CountingAllocator is not the global allocator: allocations read zero",
        );
    }
    ui.horizontal_wrapped(|ui| {
        text.clear();
        text.push_str("live ");
        write_bytes(text, alloc.live_bytes);
        text.push_str(", peak ");
        write_bytes(text, alloc.peak_live_bytes);
        text.push_str("; per frame: floor ");
        write_rate(text, alloc.floor_per_frame);
        text.push_str(", above it ");
        write_rate(text, alloc.above_floor_per_frame);
        text.push_str(" (overlay and egui ");
        write_rate(text, alloc.overlay_per_frame);
        text.push(')');
        ui.label(RichText::new(text.as_str()).monospace())
            .on_hover_text(
                "floor: what Bevy's executors and par_iter allocate by themselves; above it: \
                 what systems allocate, of which the overlay's own drawing and bevy_egui's \
                 systems (egui allocates as it lays out)",
            );
        if alloc.steady {
            ui.label(RichText::new("0 above floor").strong().color(rgb(GOOD)))
                .on_hover_text("besides the overlay and egui, no system allocated in the window");
        } else if alloc.counting && alloc.above_floor_in_window > 0 {
            text.clear();
            write_count(text, alloc.above_floor_in_window);
            text.push_str(" above floor in window, overlay aside");
            ui.label(RichText::new(text.as_str()).strong().color(rgb(WARN)));
        }
    });
    ui.columns(2, |columns| {
        series_plot(
            &mut columns[0],
            "cohort_overlay_allocs",
            "allocations / frame",
            &alloc.allocations,
            Some(&alloc.above_floor),
        );
        series_plot(
            &mut columns[1],
            "cohort_overlay_bytes",
            "bytes / frame",
            &alloc.bytes,
            None,
        );
    });
    if !alloc.top.is_empty() {
        ui.label(
            RichText::new("top allocating systems (allocations per frame, window)")
                .small()
                .weak(),
        );
        for &(index, per_frame) in &alloc.top {
            let Some(row) = model.systems.rows().get(index) else {
                continue;
            };
            ui.horizontal(|ui| {
                text.clear();
                write_rate(text, per_frame);
                ui.add_sized(
                    [48.0, 14.0],
                    egui::Label::new(RichText::new(text.as_str()).monospace().small()),
                );
                ui.label(RichText::new(row.name.as_str()).small())
                    .on_hover_text(row.full_name.as_str());
            });
        }
    }
}

fn series_plot(ui: &mut Ui, id: &str, title: &str, series: &[f64], below: Option<&[f64]>) {
    ui.label(RichText::new(title).small().weak());
    Plot::new(id)
        .height(55.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_x(false)
        .include_y(0.0)
        .show(ui, |plot| {
            let points: Vec<PlotPoint> = series
                .iter()
                .enumerate()
                .map(|(x, &y)| PlotPoint::new(x as f64, y))
                .collect();
            plot.line(Line::new(title, PlotPoints::Owned(points)).width(1.0));
            if let Some(below) = below {
                let points: Vec<PlotPoint> = below
                    .iter()
                    .enumerate()
                    .map(|(x, &y)| PlotPoint::new(x as f64, y))
                    .collect();
                plot.line(
                    Line::new("above floor", PlotPoints::Owned(points))
                        .color(rgb(WARN))
                        .width(1.0),
                );
            }
        });
}

fn simulation_panel(ui: &mut Ui, stats: &OverlayStats) {
    if stats.sections().iter().all(|section| section.hidden) {
        ui.label(
            RichText::new("nothing reported: fill OverlayStats from your plugins")
                .small()
                .weak(),
        );
    }
    for section in stats.sections().iter().filter(|section| !section.hidden) {
        ui.label(RichText::new(section.title.as_str()).strong());
        egui::Grid::new(("cohort_overlay_stats", section.title.as_str()))
            .num_columns(2)
            .spacing([12.0, 2.0])
            .show(ui, |ui| {
                for row in section.shown_rows() {
                    ui.horizontal(|ui| {
                        if let Some(swatch) = row.swatch {
                            let (rect, _) =
                                ui.allocate_exact_size(vec2(10.0, 10.0), Sense::hover());
                            ui.painter().rect_filled(rect, 2.0, rgb(swatch));
                        }
                        ui.label(RichText::new(row.label.as_str()).small());
                    });
                    ui.horizontal(|ui| {
                        let color = match row.level {
                            StatLevel::Normal => ui.visuals().text_color(),
                            StatLevel::Good => rgb(GOOD),
                            StatLevel::Warn => rgb(WARN),
                            StatLevel::Bad => rgb(BAD),
                        };
                        ui.label(
                            RichText::new(row.value.as_str())
                                .monospace()
                                .small()
                                .color(color),
                        );
                        if let Some(fraction) = row.fraction {
                            ui.add(
                                egui::ProgressBar::new(fraction)
                                    .desired_width(90.0)
                                    .desired_height(8.0),
                            );
                        }
                    });
                    ui.end_row();
                }
            });
    }
}

fn hitch_panel(ui: &mut Ui, model: &mut OverlayModel, state: &mut OverlayUiState) {
    let text = &mut state.scratch;
    ui.horizontal(|ui| {
        let label = if model.hitch.paused {
            "resume capture"
        } else {
            "freeze"
        };
        if ui
            .button(label)
            .on_hover_text(
                "freeze keeps the slowest recent frame as it is; resume follows the profiler again",
            )
            .clicked()
        {
            model.hitch.paused = !model.hitch.paused;
        }
        if model.hitch.paused {
            ui.label(RichText::new("frozen").color(rgb(WARN)));
        }
    });
    if !model.hitch.present {
        ui.label(RichText::new("no hitch in the window").small().weak());
        return;
    }
    let hitch = &model.hitch.snapshot;
    text.clear();
    let _ = write!(text, "frame {}: ", hitch.frame.index);
    write_duration_ms(text, hitch.frame.ms());
    text.push_str(" (median ");
    write_duration_ms(text, hitch.median_nanos as f64 / 1e6);
    text.push_str("), ");
    write_count(text, hitch.frame.allocations);
    text.push_str(" allocations, ");
    let _ = write!(text, "{} ticks", hitch.frame.ticks);
    ui.label(RichText::new(text.as_str()).monospace());
    egui::Grid::new("cohort_overlay_hitch")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            for &(index, totals) in hitch.systems.iter().take(12) {
                let name = model
                    .systems
                    .rows()
                    .get(index)
                    .map_or("?", |row| row.name.as_str());
                ui.label(RichText::new(name).small());
                text.clear();
                write_duration_us(text, totals.nanos as f64 / 1e3);
                ui.label(RichText::new(text.as_str()).monospace().small());
                text.clear();
                write_count(text, totals.allocations);
                text.push_str(" alloc");
                ui.label(RichText::new(text.as_str()).monospace().small());
                ui.end_row();
            }
        });
    if hitch.systems.len() > 12 {
        text.clear();
        let _ = write!(text, "and {} more systems", hitch.systems.len() - 12);
        ui.label(RichText::new(text.as_str()).small().weak());
    }
}

fn export_panel(
    ui: &mut Ui,
    model: &OverlayModel,
    state: &mut OverlayUiState,
    actions: &mut OverlayActions,
) {
    ui.horizontal(|ui| {
        actions.export_json = ui.button("export JSON").clicked();
        actions.export_csv = ui.button("export CSV").clicked();
    });
    if !state.status.is_empty() {
        ui.label(RichText::new(state.status.as_str()).small());
    }
    match model.tracy {
        Some(mut on) => {
            if ui.checkbox(&mut on, "send to Tracy").changed() {
                actions.set_tracy = Some(on);
            }
        }
        None => {
            ui.label(
                RichText::new("Tracy: not built (the `tracy` feature is off)")
                    .small()
                    .weak(),
            );
        }
    }
}
