//! The demo's people: names, ages, household make-up and unique ID numbers, drawn from
//! tables of plausible frequencies.

use std::collections::HashMap;

use crate::registry::validate::{check_char, civil_from_days};
use crate::rng::Rng;

/// Reference date the ages are drawn against (fixed so the city is the same every day).
pub(super) const REF: (i32, u32, u32) = (2025, 6, 30);

pub(super) const SURNAMES: &[(&str, u32)] = &[
    ("王", 70),
    ("李", 70),
    ("张", 65),
    ("刘", 55),
    ("陈", 50),
    ("杨", 45),
    ("唐", 40),
    ("黄", 35),
    ("周", 35),
    ("蒋", 32),
    ("邓", 30),
    ("赵", 28),
    ("吴", 28),
    ("胡", 26),
    ("谢", 25),
    ("彭", 22),
    ("曾", 22),
    ("刘", 20),
    ("罗", 20),
    ("何", 20),
    ("徐", 18),
    ("孙", 16),
    ("朱", 16),
    ("郭", 15),
    ("马", 14),
    ("高", 14),
    ("林", 14),
    ("郑", 12),
    ("梁", 12),
    ("宋", 11),
    ("许", 10),
    ("邹", 10),
    ("龙", 10),
    ("雷", 9),
    ("肖", 9),
    ("田", 9),
    ("欧阳", 8),
    ("廖", 8),
    ("蒋", 8),
    ("袁", 8),
    ("易", 8),
    ("文", 8),
    ("曹", 7),
    ("秦", 7),
    ("贺", 7),
    ("谭", 7),
    ("石", 6),
    ("姚", 6),
    ("汤", 6),
    ("邱", 6),
    ("卢", 5),
    ("魏", 5),
    ("韩", 5),
    ("冯", 5),
    ("丁", 5),
    ("沈", 5),
    ("范", 5),
    ("毛", 4),
    ("伍", 4),
    ("熊", 4),
    ("夏", 4),
    ("付", 4),
    ("尹", 4),
    ("陶", 4),
    ("覃", 3),
    ("段", 3),
    ("侯", 3),
    ("蔡", 3),
    ("钟", 3),
    ("向", 3),
    ("左", 3),
    ("申", 2),
    ("司马", 1),
    ("诸葛", 1),
];

pub(super) const MALE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞",
    "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆", "旭", "宁", "龙", "林", "阳", "建", "国", "志",
    "海", "峰", "文", "亮", "成", "东", "晨", "博", "子", "轩", "睿", "泽", "宏", "德", "振", "兴",
    "春", "永", "新", "清", "昊", "天", "锦", "翔", "诚", "世", "佳", "立",
];
pub(super) const FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "桂", "英", "燕", "萍", "红", "梅",
    "琳", "雪", "婷", "慧", "莉", "倩", "颖", "洁", "佳", "欣", "怡", "悦", "雨", "琪", "晶", "兰",
    "凤", "珍", "丹", "彤", "妍", "涵", "诗", "梦", "晓", "思", "可", "心", "若", "月", "春", "美",
    "玉", "淑", "云", "秋", "菊", "爱", "小",
];
pub(super) const CHRONIC_NOTES: &[(&str, u32)] = &[
    ("高血压", 40),
    ("糖尿病", 25),
    ("冠心病", 12),
    ("慢阻肺", 8),
    ("脑梗后遗症", 6),
    ("尿毒症（透析）", 3),
    ("肿瘤（化疗）", 3),
    ("精神疾病", 3),
];
/// Share of each single year of age 0–99, per hundred thousand (five-year bands of a county
/// population like 零陵区's in the 2020 census, spread evenly over the band).
pub(super) const BANDS: [u32; 20] = [
    500, 600, 600, 520, 480, 560, 750, 650, 620, 750, 850, 720, 560, 540, 400, 260, 160, 80, 30, 10,
];

pub(super) fn cumulative(weights: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut acc = 0;
    weights
        .map(|w| {
            acc += w;
            acc
        })
        .collect()
}

pub(super) struct Tables {
    pub(super) surnames: Vec<u32>,
    pub(super) ages: Vec<u32>,
    pub(super) chronic: Vec<u32>,
}

impl Tables {
    pub(super) fn new() -> Tables {
        Tables {
            surnames: cumulative(SURNAMES.iter().map(|s| s.1)),
            ages: cumulative((0..100).map(|a| BANDS[a / 5])),
            chronic: cumulative(CHRONIC_NOTES.iter().map(|c| c.1)),
        }
    }

    /// An age in `lo..=hi` following the pyramid.
    pub(super) fn age(&self, rng: &mut Rng, lo: i64, hi: i64) -> i64 {
        let lo = lo.clamp(0, 99) as usize;
        let hi = hi.clamp(lo as i64, 99) as usize;
        let base = if lo == 0 { 0 } else { self.ages[lo - 1] };
        let span = self.ages[hi] - base;
        let x = base + rng.below(span.max(1) as u64) as u32;
        self.ages.partition_point(|&c| c <= x).clamp(lo, hi) as i64
    }
}

/// One member as the household template lays it out.
pub(super) struct Member {
    pub(super) age: i64,
    pub(super) sex: i64,
    pub(super) relation: &'static str,
}

/// Lay out a household of `size` people. Returns members with the head first.
pub(super) fn household_members(t: &Tables, rng: &mut Rng, size: usize) -> Vec<Member> {
    let mut m = Vec::with_capacity(size);
    let other = |s: i64| if s == 1 { 2 } else { 1 };
    let head_sex = if rng.chance(700) { 1 } else { 2 };
    match size {
        1 => {
            let age = if rng.chance(420) {
                t.age(rng, 60, 99)
            } else {
                t.age(rng, 18, 59)
            };
            m.push(Member {
                age,
                sex: head_sex,
                relation: "head",
            });
        }
        2 => {
            let roll = rng.below(100);
            if roll < 50 {
                let age = t.age(rng, 55, 95);
                m.push(Member {
                    age,
                    sex: head_sex,
                    relation: "head",
                });
                m.push(Member {
                    age: (age + rng.range(-5, 3)).clamp(50, 99),
                    sex: other(head_sex),
                    relation: "spouse",
                });
            } else if roll < 85 {
                let age = t.age(rng, 22, 59);
                m.push(Member {
                    age,
                    sex: head_sex,
                    relation: "head",
                });
                m.push(Member {
                    age: (age + rng.range(-4, 4)).clamp(20, 99),
                    sex: other(head_sex),
                    relation: "spouse",
                });
            } else {
                let age = t.age(rng, 40, 80);
                m.push(Member {
                    age,
                    sex: head_sex,
                    relation: "head",
                });
                m.push(Member {
                    age: (age - rng.range(20, 35)).max(0),
                    sex: rng.range(1, 2),
                    relation: "child",
                });
            }
        }
        _ => {
            // A couple with children, and grandparents in the larger households.
            let grandparents = match size {
                3 => (rng.chance(150)) as usize,
                4 => rng.below(2) as usize,
                5 => 1 + rng.below(2) as usize,
                _ => 2,
            };
            let children = size - 2 - grandparents;
            let age = t.age(rng, 24, 58);
            m.push(Member {
                age,
                sex: head_sex,
                relation: "head",
            });
            let spouse_age = (age + rng.range(-4, 4)).clamp(20, 99);
            m.push(Member {
                age: spouse_age,
                sex: other(head_sex),
                relation: "spouse",
            });
            let mother = if head_sex == 2 { age } else { spouse_age };
            for i in 0..children {
                let a = (mother - rng.range(21, 36) - 2 * i as i64).max(0);
                m.push(Member {
                    age: a,
                    sex: rng.range(1, 2),
                    relation: "child",
                });
            }
            for i in 0..grandparents {
                let a = (age + rng.range(22, 32)).min(99);
                let sex = if grandparents == 2 {
                    1 + i as i64
                } else {
                    rng.range(1, 2)
                };
                m.push(Member {
                    age: a,
                    sex,
                    relation: "parent",
                });
            }
        }
    }
    m
}

/// Unique ID numbers: per region code, a counter per (birth day, sex); 500 people of each sex
/// fit on one day. A full day spills to a nearby day (at most 15 days off, so ages stay
/// right); when those are full too, to the code of another real county, as people registered
/// elsewhere (migrants) carry. Nobody is ever skipped: running out is an error.
pub(super) struct IdAlloc {
    pub(super) counters: HashMap<u32, Vec<u16>>,
    /// Region codes some registered resident's number already carries: not used, so a second
    /// demo (or imported people) never collide with the numbers handed out here.
    pub(super) taken: std::collections::HashSet<u32>,
}

pub(super) const DAY0: i64 = -25_567; // 1900-01-01
pub(super) const DAYS: usize = 48_000; // to 2031

/// Real county codes (2023 division data) used for the overflow: the other counties of
/// 永州, Changsha's districts, and big cities people move from.
pub(super) const ORIGIN_COUNTIES: &[u32] = &[
    431103, 431122, 431123, 431124, 431125, 431126, 431127, 431128, 431129, 431181, 430102, 430103,
    430104, 430111, 430121, 431002, 430902, 430602, 440103, 440104, 440304, 440305, 441900, 330102,
    310101, 320102, 420102, 360102, 450102, 510104, 350102, 110101, 370102, 530102, 520102,
];

impl IdAlloc {
    pub(super) fn try_code(&mut self, code: u32, day: i64, sex: i64) -> Option<(String, i64)> {
        let slots = self
            .counters
            .entry(code)
            .or_insert_with(|| vec![0; 2 * DAYS]);
        for off in 0..=30i64 {
            // 0, +1, -1, +2, -2, … within ±15 days.
            let d = day
                + if off % 2 == 1 {
                    (off + 1) / 2
                } else {
                    -(off / 2)
                };
            let Some(i) = usize::try_from(d - DAY0)
                .ok()
                .filter(|&i| i < DAYS)
                .map(|i| i * 2 + (sex == 1) as usize)
            else {
                continue;
            };
            if slots[i] < 500 {
                let seq = slots[i] as u32 * 2 + (sex == 1) as u32;
                slots[i] += 1;
                let (y, m, dd) = civil_from_days(d);
                let mut s = format!("{code:06}{y:04}{m:02}{dd:02}{seq:03}");
                let c = check_char(s.as_bytes());
                s.push(c as char);
                return Some((s, d));
            }
        }
        None
    }

    /// An ID number for someone born around `day`, with `county`'s code where possible.
    pub(super) fn next(&mut self, county: u32, day: i64, sex: i64) -> Option<(String, i64)> {
        if !self.taken.contains(&county) {
            if let Some(r) = self.try_code(county, day, sex) {
                return Some(r);
            }
        }
        for &c in ORIGIN_COUNTIES {
            if c != county && !self.taken.contains(&c) {
                if let Some(r) = self.try_code(c, day, sex) {
                    return Some(r);
                }
            }
        }
        None
    }
}
