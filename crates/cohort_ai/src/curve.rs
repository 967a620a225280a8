//! Response curves: how one input in [0, 1] becomes a score in [0, 1].

use serde::{Deserialize, Deserializer, Serialize};

/// A number that must be finite: a NaN or an infinity in a decision-maker file is an
/// error at its line, not a score that silently poisons every comparison.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize)]
#[serde(transparent)]
pub struct Finite(pub f32);

impl Finite {
    /// The number.
    pub const fn get(self) -> f32 {
        self.0
    }
}

impl<'de> Deserialize<'de> for Finite {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(deserializer)?;
        // Checked as stored: 1e39 is a finite f64 but an infinite f32.
        let stored = value as f32;
        if !stored.is_finite() {
            return Err(serde::de::Error::custom(format!(
                "{value} is not a finite number; curve parameters and weights must be \
                 finite (within ±3.4e38)"
            )));
        }
        Ok(Finite(stored))
    }
}

fn one() -> Finite {
    Finite(1.0)
}

/// `2 · ln(9999)`: a [`ResponseCurve::Logit`] of scale 1 spans [0, 1] over [0.0001, 0.9999].
const LOGIT_SPAN: f32 = 18.420_68;

/// Maps an input, already clamped to [0, 1], to a score; the result is clamped to [0, 1]
/// and a curve that is undefined at the input (a negative base to a fractional power)
/// scores 0.
///
/// In RON: `Linear(slope: -1.0, intercept: 1.0)`, `Logistic(midpoint: 0.3, steepness: -12.0)`,
/// `Piecewise(points: [(0.0, 0.0), (0.5, 1.0), (1.0, 0.2)])`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ResponseCurve {
    /// `slope · x + intercept`.
    Linear {
        /// Rise per unit of input.
        slope: Finite,
        /// The score at 0.
        #[serde(default)]
        intercept: Finite,
    },
    /// `slope · (x − shift)^exponent + offset`.
    Polynomial {
        /// The power: 2 for a quadratic ease-in, 0.5 for a square root.
        exponent: Finite,
        /// Scale of the power term.
        #[serde(default = "one")]
        slope: Finite,
        /// Moves the curve right.
        #[serde(default)]
        shift: Finite,
        /// Moves the curve up.
        #[serde(default)]
        offset: Finite,
    },
    /// `1 / (1 + e^(−steepness · (x − midpoint)))`: an S from 0 to 1 (or 1 to 0 when
    /// `steepness` is negative).
    Logistic {
        /// The input that scores 0.5.
        midpoint: Finite,
        /// How sharp the S is; negative flips it.
        steepness: Finite,
    },
    /// `0.5 + scale · ln(x / (1 − x)) / 18.42`: the logistic's inverse, steep at both ends.
    Logit {
        /// 1 spans [0, 1]; larger values saturate sooner.
        #[serde(default = "one")]
        scale: Finite,
    },
    /// `above` from `threshold` on, `below` under it.
    Step {
        /// Where the step is.
        threshold: Finite,
        /// The score under the threshold.
        #[serde(default)]
        below: Finite,
        /// The score at and over it.
        #[serde(default = "one")]
        above: Finite,
    },
    /// Straight lines between `(x, y)` points given in increasing `x`; flat past the ends.
    Piecewise {
        /// At least one point, `x` strictly increasing.
        points: Vec<(Finite, Finite)>,
    },
}

impl ResponseCurve {
    /// The score of `x`: `x` is clamped to [0, 1] first, the score after (a NaN on
    /// either side becomes 0: `max` keeps the number).
    #[inline]
    pub fn evaluate(&self, x: f32) -> f32 {
        let points = match self {
            ResponseCurve::Piecewise { points } => points.as_slice(),
            _ => &[],
        };
        self.compile(0).evaluate(x, points)
    }

    /// The curve as [`CompiledCurve`]; a piecewise curve's points are expected at
    /// `points[first..]` of the slice given to [`CompiledCurve::evaluate`].
    pub(crate) fn compile(&self, first: usize) -> CompiledCurve {
        match self {
            ResponseCurve::Linear { slope, intercept } => CompiledCurve::Linear {
                slope: slope.0,
                intercept: intercept.0,
            },
            ResponseCurve::Polynomial {
                exponent,
                slope,
                shift,
                offset,
            } => CompiledCurve::Polynomial {
                exponent: exponent.0,
                slope: slope.0,
                shift: shift.0,
                offset: offset.0,
            },
            ResponseCurve::Logistic {
                midpoint,
                steepness,
            } => CompiledCurve::Logistic {
                midpoint: midpoint.0,
                steepness: steepness.0,
            },
            ResponseCurve::Logit { scale } => CompiledCurve::Logit {
                scale_over_span: scale.0 / LOGIT_SPAN,
            },
            ResponseCurve::Step {
                threshold,
                below,
                above,
            } => CompiledCurve::Step {
                threshold: threshold.0,
                below: below.0,
                above: above.0,
            },
            ResponseCurve::Piecewise { points } => CompiledCurve::Piecewise {
                first: first as u32,
                end: (first + points.len()) as u32,
            },
        }
    }

    /// What is wrong with the curve's shape, if anything (its numbers are already finite).
    pub fn problem(&self) -> Option<&'static str> {
        match self {
            ResponseCurve::Piecewise { points } if points.is_empty() => {
                Some("a Piecewise curve needs at least one point")
            }
            ResponseCurve::Piecewise { points }
                if points.windows(2).any(|pair| pair[1].0.0 <= pair[0].0.0) =>
            {
                Some("a Piecewise curve's points must be in strictly increasing x")
            }
            ResponseCurve::Logit { scale } if scale.0 == 0.0 => {
                Some("a Logit curve's scale must not be 0")
            }
            _ => None,
        }
    }
}

/// A [`ResponseCurve`] ready for the scoring loop: `Copy`, its parameters inline and a
/// piecewise curve's points in its decision maker's shared list, so a consideration fits
/// in a few words and scoring follows no pointer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum CompiledCurve {
    Linear {
        slope: f32,
        intercept: f32,
    },
    Polynomial {
        exponent: f32,
        slope: f32,
        shift: f32,
        offset: f32,
    },
    Logistic {
        midpoint: f32,
        steepness: f32,
    },
    Logit {
        scale_over_span: f32,
    },
    Step {
        threshold: f32,
        below: f32,
        above: f32,
    },
    Piecewise {
        first: u32,
        end: u32,
    },
}

impl CompiledCurve {
    /// The score of `x`, both clamped to [0, 1]; `points` holds piecewise curves' points.
    #[inline]
    pub(crate) fn evaluate(self, x: f32, points: &[(Finite, Finite)]) -> f32 {
        let x = to_unit(x);
        let y = match self {
            CompiledCurve::Linear { slope, intercept } => linear(slope, intercept, x),
            CompiledCurve::Polynomial {
                exponent,
                slope,
                shift,
                offset,
            } => slope * (x - shift).powf(exponent) + offset,
            CompiledCurve::Logistic {
                midpoint,
                steepness,
            } => 1.0 / (1.0 + (-steepness * (x - midpoint)).exp()),
            CompiledCurve::Logit { scale_over_span } => {
                let x = x.clamp(1e-4, 1.0 - 1e-4);
                0.5 + scale_over_span * (x / (1.0 - x)).ln()
            }
            CompiledCurve::Step {
                threshold,
                below,
                above,
            } => step(threshold, below, above, x),
            CompiledCurve::Piecewise { first, end } => {
                piecewise(points.get(first as usize..end as usize).unwrap_or(&[]), x)
            }
        };
        to_unit(y)
    }
}

impl CompiledCurve {
    /// [`CompiledCurve::evaluate`] of every value in `values`, in place: the curve is
    /// matched once, and the linear and step curves (the common ones) run as one loop
    /// over the lanes.
    #[inline(always)]
    pub(crate) fn evaluate_lanes<const N: usize>(
        self,
        values: &mut [f32; N],
        points: &[(Finite, Finite)],
    ) {
        match self {
            CompiledCurve::Linear { slope, intercept } => {
                for value in values {
                    *value = to_unit(linear(slope, intercept, to_unit(*value)));
                }
            }
            CompiledCurve::Step {
                threshold,
                below,
                above,
            } => {
                for value in values {
                    *value = to_unit(step(threshold, below, above, to_unit(*value)));
                }
            }
            _ => {
                for value in values {
                    *value = self.evaluate(*value, points);
                }
            }
        }
    }
}

/// A linear curve at `x` (already in [0, 1]), before the clamp of the result.
#[inline(always)]
fn linear(slope: f32, intercept: f32, x: f32) -> f32 {
    slope * x + intercept
}

/// A step curve at `x` (already in [0, 1]), before the clamp of the result.
#[inline(always)]
fn step(threshold: f32, below: f32, above: f32, x: f32) -> f32 {
    if x >= threshold { above } else { below }
}

/// `value` clamped to [0, 1], a NaN to 0 (`clamp` would keep the NaN).
#[inline]
#[allow(
    clippy::manual_clamp,
    reason = "max then min maps NaN to 0, which clamp does not"
)]
fn to_unit(value: f32) -> f32 {
    value.max(0.0).min(1.0)
}

fn piecewise(points: &[(Finite, Finite)], x: f32) -> f32 {
    let Some(&(first_x, first_y)) = points.first() else {
        return 0.0;
    };
    if x <= first_x.0 {
        return first_y.0;
    }
    for pair in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        if x <= x1.0 {
            let t = (x - x0.0) / (x1.0 - x0.0);
            return y0.0 + t * (y1.0 - y0.0);
        }
    }
    points.last().map_or(0.0, |point| point.1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(value: f32) -> Finite {
        Finite(value)
    }

    #[test]
    fn linear_and_polynomial_values() {
        let linear = ResponseCurve::Linear {
            slope: f(-1.0),
            intercept: f(1.0),
        };
        assert_eq!(linear.evaluate(0.25), 0.75);
        assert_eq!(linear.evaluate(2.0), 0.0, "input clamped to 1");
        assert_eq!(linear.evaluate(-3.0), 1.0, "input clamped to 0");
        let quadratic = ResponseCurve::Polynomial {
            exponent: f(2.0),
            slope: f(1.0),
            shift: f(0.0),
            offset: f(0.0),
        };
        assert_eq!(quadratic.evaluate(0.5), 0.25);
        let root = ResponseCurve::Polynomial {
            exponent: f(0.5),
            slope: f(1.0),
            shift: f(0.5),
            offset: f(0.0),
        };
        assert_eq!(root.evaluate(0.25), 0.0, "a negative base to 0.5 scores 0");
        assert_eq!(root.evaluate(0.75), 0.5);
    }

    #[test]
    fn logistic_and_logit_values() {
        let logistic = ResponseCurve::Logistic {
            midpoint: f(0.5),
            steepness: f(10.0),
        };
        assert_eq!(logistic.evaluate(0.5), 0.5);
        assert!((logistic.evaluate(1.0) - 1.0 / (1.0 + (-5.0f32).exp())).abs() < 1e-6);
        let falling = ResponseCurve::Logistic {
            midpoint: f(0.5),
            steepness: f(-10.0),
        };
        assert!(falling.evaluate(0.0) > 0.99 && falling.evaluate(1.0) < 0.01);
        let logit = ResponseCurve::Logit { scale: f(1.0) };
        assert_eq!(logit.evaluate(0.5), 0.5);
        assert!((logit.evaluate(0.9999) - 1.0).abs() < 1e-3);
        assert!(logit.evaluate(0.0001) < 1e-3);
        assert!(logit.evaluate(0.25) < 0.5 && logit.evaluate(0.75) > 0.5);
    }

    #[test]
    fn step_and_piecewise_values() {
        let step = ResponseCurve::Step {
            threshold: f(0.5),
            below: f(0.1),
            above: f(0.9),
        };
        assert_eq!(step.evaluate(0.49), 0.1);
        assert_eq!(step.evaluate(0.5), 0.9);
        let points = ResponseCurve::Piecewise {
            points: vec![(f(0.2), f(0.0)), (f(0.6), f(1.0)), (f(1.0), f(0.5))],
        };
        assert_eq!(points.evaluate(0.0), 0.0);
        assert!((points.evaluate(0.4) - 0.5).abs() < 1e-6);
        assert_eq!(points.evaluate(0.6), 1.0);
        assert_eq!(points.evaluate(0.8), 0.75);
        assert_eq!(points.evaluate(1.0), 0.5);
    }

    #[test]
    fn scores_are_clamped_and_never_nan() {
        let steep = ResponseCurve::Linear {
            slope: f(5.0),
            intercept: f(-1.0),
        };
        assert_eq!(steep.evaluate(1.0), 1.0);
        assert_eq!(steep.evaluate(0.0), 0.0);
        assert_eq!(steep.evaluate(f32::NAN), 0.0);
    }

    #[test]
    fn shape_problems_are_named() {
        let unsorted = ResponseCurve::Piecewise {
            points: vec![(f(0.5), f(0.0)), (f(0.5), f(1.0))],
        };
        assert!(unsorted.problem().unwrap().contains("increasing"));
        let empty = ResponseCurve::Piecewise { points: vec![] };
        assert!(empty.problem().is_some());
        assert!(ResponseCurve::Logit { scale: f(0.0) }.problem().is_some());
        assert!(ResponseCurve::Logit { scale: f(1.0) }.problem().is_none());
    }
}
