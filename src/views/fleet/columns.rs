//! The fleet table's columns: those it sorts by, in their order, and what each heading means.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Server,
    Site,
    Levels,
    Behind,
    HotFixes,
    Tier,
    Priority,
    Phase,
    Soak,
    Checkout,
}

impl Column {
    pub const ALL: [Column; 10] = [
        Column::Server,
        Column::Site,
        Column::Levels,
        Column::Behind,
        Column::HotFixes,
        Column::Tier,
        Column::Priority,
        Column::Phase,
        Column::Soak,
        Column::Checkout,
    ];

    /// The column's order reads the fleet alone (names, roles, sites), no row: a change of the
    /// rows leaves it as it was.
    pub fn by_fleet(self) -> bool {
        matches!(self, Column::Server | Column::Site)
    }

    pub fn title(self) -> &'static str {
        match self {
            Column::Server => "server",
            Column::Site => "site",
            Column::Levels => "levels",
            Column::Behind => "behind",
            Column::HotFixes => "hot fixes",
            Column::Tier => "tier",
            Column::Priority => "priority",
            Column::Phase => "phase",
            Column::Soak => "soak",
            Column::Checkout => "last checkout",
        }
    }
}

/// The fleet table's column headings, spelled out (the symbols never rest on colour alone).
pub const LEGEND: &[(&str, &str)] = &[
    ("site", "the server's site; * after it: a remote server"),
    ("product", "a column per product, headed by its id: installed/latest service pack, coloured by behind"),
    ("behind", "most service packs behind: ✓ 0 current · 1 behind · ! 2 at the limit · ✗ 3+ violation"),
    ("hotfix", "r/b: applicable hot fixes ready to install / blocked behind a service pack"),
    ("tier", "risk tier: the effect if the install fails (Low, Medium, High)"),
    ("pri", "upgrade priority, 1 first to 3 last; * overridden"),
    ("ph", "the phase of the rollout the server is a member of"),
    ("soak", "✓ ready · … soaking · ! checkout due or unverified · ✗ overdue, failed, blocked · · not yet"),
    ("last", "last checkout: its result and how many days ago"),
];
