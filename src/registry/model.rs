//! Registry vocabulary: document types, household kinds, relations, vulnerable tags and party
//! categories, each with its stored code and its zh-CN/English labels.

/// A closed vocabulary stored as a short code.
pub struct Term {
    pub code: &'static str,
    pub en: &'static str,
    pub zh: &'static str,
}

const fn t(code: &'static str, en: &'static str, zh: &'static str) -> Term {
    Term { code, en, zh }
}

pub const DOC_TYPES: &[Term] = &[
    t("id_card", "resident ID card", "居民身份证"),
    t("passport", "passport", "护照"),
    t(
        "hk_macau",
        "Hong Kong/Macau permit",
        "港澳居民来往内地通行证",
    ),
    t("taiwan", "Taiwan permit", "台湾居民来往大陆通行证"),
    t("other", "other document", "其他证件"),
];

pub const HOUSEHOLD_KINDS: &[Term] = &[
    t("home", "home", "自住"),
    t("rental", "rental", "出租"),
    t("shop", "shop/business", "商铺/经营"),
    t("dormitory", "dormitory", "集体宿舍"),
];

pub const RELATIONS: &[Term] = &[
    t("head", "head of household", "户主"),
    t("spouse", "spouse", "配偶"),
    t("child", "child", "子女"),
    t("parent", "parent", "父母"),
    t("grandchild", "grandchild", "孙辈"),
    t("grandparent", "grandparent", "祖辈"),
    t("sibling", "sibling", "兄弟姐妹"),
    t("child_in_law", "child-in-law", "儿媳/女婿"),
    t("tenant", "tenant", "租户"),
    t("other", "other", "其他"),
];

/// Vulnerable tags (重点人群), bit positions in `residents.tags`.
pub const TAGS: &[Term] = &[
    t("living_alone_elderly", "living-alone elderly", "独居老人"),
    t("disabled", "disabled", "残疾人"),
    t("chronic", "chronic illness", "慢性病"),
    t("pregnant", "pregnant", "孕产妇"),
    t("infant", "infant", "婴幼儿"),
    t("stranded_student", "stranded student", "滞留学生"),
    t("other", "other", "其他"),
];
pub const TAG_ALONE: i64 = 1;
pub const TAG_DISABLED: i64 = 1 << 1;
pub const TAG_CHRONIC: i64 = 1 << 2;
pub const TAG_PREGNANT: i64 = 1 << 3;
pub const TAG_INFANT: i64 = 1 << 4;
pub const TAG_STUDENT: i64 = 1 << 5;

/// Party membership: 0 none, 1 full member (正式党员), 2 probationary (预备党员).
pub const PARTY: &[Term] = &[
    t("none", "not a member", "非党员"),
    t("full", "full member", "正式党员"),
    t("probationary", "probationary member", "预备党员"),
];

/// The five categories of party members, bit positions in `residents.party_categories`.
pub const PARTY_CATEGORIES: &[Term] = &[
    t("mobile", "mobile", "流动党员"),
    t("veteran", "veteran", "退役军人党员"),
    t("hardship", "in hardship", "生活困难党员"),
    t("elderly_frail", "elderly or frail", "年老体弱党员"),
    t(
        "restructured",
        "from restructured enterprises",
        "改革改制企业党员",
    ),
];

pub fn find<'a>(terms: &'a [Term], s: &str) -> Option<(usize, &'a Term)> {
    let s = s.trim();
    terms
        .iter()
        .enumerate()
        .find(|(_, t)| t.code.eq_ignore_ascii_case(s) || t.zh == s || t.en.eq_ignore_ascii_case(s))
}

/// Codes of the bits set in `bits`.
pub fn bits_to_codes(terms: &[Term], bits: i64) -> Vec<&'static str> {
    terms
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, t)| t.code)
        .collect()
}

/// Level numbers of the area tree.
pub const LEVEL_PROVINCE: i64 = 1;
pub const LEVEL_CITY: i64 = 2;
pub const LEVEL_COUNTY: i64 = 3;
pub const LEVEL_STREET: i64 = 4;
pub const LEVEL_COMMUNITY: i64 = 5;
pub const LEVEL_GRID: i64 = 6;
pub const LEVEL_BUILDING: i64 = 7;

pub const LEVELS: &[Term] = &[
    t("province", "province", "省"),
    t("city", "city", "市"),
    t("county", "county/district", "县/区"),
    t("street", "street/town", "街道/乡镇"),
    t("community", "community/village", "社区/村"),
    t("grid", "grid", "网格"),
    t("building", "building", "楼栋"),
];

pub fn level_code(level: i64) -> &'static str {
    LEVELS
        .get((level - 1) as usize)
        .map(|t| t.code)
        .unwrap_or("unknown")
}
