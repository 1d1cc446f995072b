//! Word lists the demo tenant draws its names from. Invented, common-sounding names only;
//! the lists are short on purpose because uniqueness comes from numbers, not from names.

pub(super) const FEMALE_GIVEN: &[&str] = &[
    "Ava", "Emma", "Olivia", "Sophia", "Isabella", "Mia", "Amelia", "Harper", "Evelyn", "Abigail",
    "Emily", "Ella", "Chloe", "Grace", "Zoe", "Lily", "Hannah", "Nora", "Aria", "Layla", "Riley",
    "Leah", "Maya", "Sara", "Priya", "Aisha", "Mei", "Yuki", "Lucia", "Elena", "Fatima", "Ingrid",
];

pub(super) const MALE_GIVEN: &[&str] = &[
    "Liam", "Noah", "Oliver", "Elijah", "James", "William", "Benjamin", "Lucas", "Henry", "Theo",
    "Jack", "Levi", "Mateo", "Daniel", "Samuel", "David", "Owen", "Caleb", "Ethan", "Leo", "Isaac",
    "Adrian", "Omar", "Ravi", "Kenji", "Diego", "Tomas", "Malik", "Jonas", "Felix", "Arjun",
    "Hugo",
];

pub(super) const SURNAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Patel",
    "Kim",
    "Chen",
    "Singh",
    "Okafor",
    "Novak",
    "Larsen",
    "Ahmed",
    "Tanaka",
    "Rossi",
    "Schmidt",
    "Dubois",
    "Silva",
    "Murphy",
];

/// School names are `PREFIX SUFFIX`; 16 × 16 combinations cover the district's 239 schools
/// without repeating.
pub(super) const SCHOOL_PREFIX: &[&str] = &[
    "Oak", "Maple", "Cedar", "Pine", "Willow", "Birch", "Aspen", "Elm", "Spruce", "Hickory",
    "Juniper", "Sycamore", "Magnolia", "Laurel", "Alder", "Chestnut",
];
pub(super) const SCHOOL_SUFFIX: &[&str] = &[
    "Ridge", "Grove", "Valley", "Hill", "Park", "Creek", "Meadow", "Lake", "Brook", "Field",
    "Heights", "Crossing", "Springs", "Glen", "Harbor", "Point",
];

pub(super) const STREETS: &[&str] = &[
    "Main",
    "Lincoln",
    "Washington",
    "Lake",
    "Hillside",
    "Park",
    "River",
    "Sunset",
    "Forest",
    "Meadow",
    "College",
    "Church",
    "Highland",
    "Mill",
    "Spring",
    "Union",
];
pub(super) const STREET_KINDS: &[&str] = &["St", "Ave", "Rd", "Blvd", "Way", "Dr"];

/// District name, its city and the state abbreviation; the seed picks one.
pub(super) const DISTRICTS: &[(&str, &str, &str)] = &[
    ("Northwind", "Riverton", "WA"),
    ("Fabrikam", "Lakewood", "OR"),
    ("Contoso", "Fairview", "CO"),
    ("Woodgrove", "Springfield", "IL"),
    ("Tailspin", "Greenville", "NC"),
    ("Lakeshore", "Madison", "WI"),
    ("Coho", "Salem", "MA"),
    ("Adatum", "Franklin", "TN"),
];

/// Subjects by school level; the class's display name, nickname and code derive from them.
pub(super) const ELEMENTARY_SUBJECTS: &[&str] = &[
    "Homeroom",
    "Reading",
    "Math",
    "Science",
    "Art",
    "Music",
    "Physical Education",
    "Writing",
];
pub(super) const MIDDLE_SUBJECTS: &[&str] = &[
    "English",
    "Math",
    "Science",
    "Social Studies",
    "Spanish",
    "Band",
    "Art",
    "Health",
    "Technology",
];
pub(super) const HIGH_SUBJECTS: &[&str] = &[
    "English",
    "Algebra I",
    "Geometry",
    "Algebra II",
    "Biology",
    "Chemistry",
    "Physics",
    "US History",
    "World History",
    "Spanish I",
    "French I",
    "Computer Science",
    "Economics",
    "Statistics",
    "Choir",
    "Drama",
];
