//! The benchmark's static catalogue: six users, nine products, their stock and
//! fourteen reviews, in memory so the subgraphs cost as little as possible.
//!
//! Each subgraph reads only its own columns: `accounts` the users, `products` the
//! product rows, `inventory` the stock (price and weight reach it through `@requires`),
//! `reviews` the reviews (and, for `@provides`, its copy of each author's username).
//!
//! The sizes are chosen so that the benchmark operation (`operations/benchmark.graphql`)
//! answers about 100 KB of JSON, with real fan-out: a user's reviews, each review's
//! product, that product's reviews, their authors, the authors' reviews.

/// A row of `accounts`.
#[derive(Debug)]
pub struct UserRow {
    /// Key.
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Handle; `reviews` keeps a copy for `@provides(fields: "username")`.
    pub username: &'static str,
    /// Seconds since the epoch.
    pub birthday: i32,
}

/// A row of `products`.
#[derive(Debug)]
pub struct ProductRow {
    /// Key (universal product code).
    pub upc: &'static str,
    /// Name.
    pub name: &'static str,
    /// Price in whole currency units.
    pub price: i32,
    /// Weight in kilograms.
    pub weight: i32,
}

/// A row of `inventory`.
#[derive(Debug)]
pub struct StockRow {
    /// Which product.
    pub upc: &'static str,
    /// Whether it can be ordered now.
    pub in_stock: bool,
}

/// A row of `reviews`.
#[derive(Debug)]
pub struct ReviewRow {
    /// Key.
    pub id: &'static str,
    /// The text.
    pub body: &'static str,
    /// Who wrote it.
    pub author_id: &'static str,
    /// What it is about.
    pub product_upc: &'static str,
}

/// Every user, in id order.
pub static USERS: [UserRow; 6] = [
    UserRow {
        id: "1",
        name: "Mira Okafor",
        username: "mira",
        birthday: 612_921_600,
    },
    UserRow {
        id: "2",
        name: "Tomás Lindqvist",
        username: "tomas",
        birthday: 430_531_200,
    },
    UserRow {
        id: "3",
        name: "Priya Raman",
        username: "priya",
        birthday: 739_152_000,
    },
    UserRow {
        id: "4",
        name: "Jonah Weiss",
        username: "jonah",
        birthday: 281_318_400,
    },
    UserRow {
        id: "5",
        name: "Inês Carvalho",
        username: "ines",
        birthday: 897_004_800,
    },
    UserRow {
        id: "6",
        name: "Kenji Mori",
        username: "kenji",
        birthday: 518_054_400,
    },
];

/// Every product, in the order `topProducts` lists them.
pub static PRODUCTS: [ProductRow; 9] = [
    ProductRow {
        upc: "1001",
        name: "Oak writing desk",
        price: 349,
        weight: 30,
    },
    ProductRow {
        upc: "1002",
        name: "Linen three-seat sofa",
        price: 1299,
        weight: 85,
    },
    ProductRow {
        upc: "1003",
        name: "Brass reading lamp",
        price: 89,
        weight: 4,
    },
    ProductRow {
        upc: "1004",
        name: "Walnut dining chair",
        price: 249,
        weight: 9,
    },
    ProductRow {
        upc: "1005",
        name: "Hand-knotted wool rug",
        price: 1450,
        weight: 12,
    },
    ProductRow {
        upc: "1006",
        name: "Ash bookcase",
        price: 599,
        weight: 45,
    },
    ProductRow {
        upc: "1007",
        name: "Standing mirror",
        price: 179,
        weight: 18,
    },
    ProductRow {
        upc: "1008",
        name: "Extending dining table",
        price: 2199,
        weight: 60,
    },
    ProductRow {
        upc: "1009",
        name: "Wingback armchair",
        price: 799,
        weight: 25,
    },
];

/// Stock, by product.
pub static STOCK: [StockRow; 9] = [
    StockRow {
        upc: "1001",
        in_stock: true,
    },
    StockRow {
        upc: "1002",
        in_stock: false,
    },
    StockRow {
        upc: "1003",
        in_stock: true,
    },
    StockRow {
        upc: "1004",
        in_stock: true,
    },
    StockRow {
        upc: "1005",
        in_stock: false,
    },
    StockRow {
        upc: "1006",
        in_stock: true,
    },
    StockRow {
        upc: "1007",
        in_stock: false,
    },
    StockRow {
        upc: "1008",
        in_stock: true,
    },
    StockRow {
        upc: "1009",
        in_stock: true,
    },
];

/// Every review, in id order.
pub static REVIEWS: [ReviewRow; 14] = [
    ReviewRow {
        id: "1",
        author_id: "1",
        product_upc: "1001",
        body: "I bought this desk for a small study and it has turned out to be the piece of furniture I use most. The oak top is thick enough that it does not flex when I lean on it, the drawer runs smoothly on proper metal runners, and the cable cut-out at the back is exactly where a laptop charger wants to go. Assembly took forty minutes with two people; the instructions were clear and every bolt was in the right bag. The finish marks if you put a hot mug straight on it, so use a coaster for the first few months while the oil cures. At this price I expected veneer over chipboard and was pleasantly surprised to find solid timber throughout.",
    },
    ReviewRow {
        id: "2",
        author_id: "1",
        product_upc: "1002",
        body: "Deep seats, firm cushions that have kept their shape after a year of daily use, and linen covers that come off for washing. The colour is slightly warmer than in the photographs. Delivery was booked for a morning slot and arrived in the afternoon without a call, which is the only reason this is not five stars.",
    },
    ReviewRow {
        id: "3",
        author_id: "2",
        product_upc: "1001",
        body: "Solid and handsome, but check your measurements: the legs sit further in than the drawings suggest, so an office chair with a wide base catches on them when you swivel. I ended up swapping my chair rather than returning the desk, because the build quality is far above anything else I found in the same range. The drawer is shallow; it takes notebooks and pens, not files. After six months the top still looks new apart from one ring where I ignored the advice about coasters.",
    },
    ReviewRow {
        id: "4",
        author_id: "2",
        product_upc: "1003",
        body: "Warm light, a heavy base that does not tip when you pull the arm over a book, and a switch on the cord rather than hidden under the shade. The brass darkens quickly if you touch it with bare hands, which I like, but polish it now and then if you want it bright.",
    },
    ReviewRow {
        id: "5",
        author_id: "3",
        product_upc: "1002",
        body: "We measured the doorway twice and the sofa still only just made it through with the feet off, so take the published depth seriously and remember that the feet unscrew. Once inside it became the centre of the room: it is long enough for an adult to lie flat, the arms are wide enough to rest a cup on, and the back cushions are filled with a feather blend that needs plumping but never looks flat for long. The linen creases, as linen does; if that bothers you, choose the cotton weave instead. Two small children and a dog have not managed to stain it yet, and the covers survived a wash at thirty degrees without shrinking. Customer service answered a question about replacement feet within a day and sent a spare set without charge.",
    },
    ReviewRow {
        id: "6",
        author_id: "3",
        product_upc: "1004",
        body: "Comfortable enough for long dinners, light enough to lift with one hand, and the walnut has a lovely grain. One of the four chairs had a slightly short leg; the shop replaced the leg within a week, and the chair has been steady since.",
    },
    ReviewRow {
        id: "7",
        author_id: "4",
        product_upc: "1001",
        body: "A straightforward, well made desk. It does what a desk should do and looks good doing it. The assembly bolts need tightening again after the first few weeks as the wood settles, so keep the hex key somewhere you will find it.",
    },
    ReviewRow {
        id: "8",
        author_id: "4",
        product_upc: "1005",
        body: "The rug is thick, dense and heavier than it looks, so it stays put on a wooden floor without an underlay, though I added one anyway for the sake of the neighbours below. The colours are deeper than on screen: the rust is closer to brick and the cream has a grey cast in daylight. It shed for the first month, filling the vacuum cleaner every few days, and then stopped almost completely. Knots are even on the back, the edges are bound by hand, and after a spilt glass of red wine a damp cloth and patience removed every trace. Not cheap, but it is the kind of thing you keep for twenty years, and it makes the whole room quieter.",
    },
    ReviewRow {
        id: "9",
        author_id: "5",
        product_upc: "1006",
        body: "The shelves are adjustable on metal pins and each one holds a full row of hardbacks without bowing. It must be fixed to the wall, and the kit includes brackets but no plugs, so buy ones that suit your wall before the delivery day. The ash is pale and even; mine arrived with one scuff on a side panel that a little wax made invisible.",
    },
    ReviewRow {
        id: "10",
        author_id: "5",
        product_upc: "1002",
        body: "Beautiful and comfortable, but the seat is a little too deep for anyone shorter than average: I sit with a cushion behind my back. Everyone taller in the family loves it and falls asleep on it after lunch.",
    },
    ReviewRow {
        id: "11",
        author_id: "6",
        product_upc: "1007",
        body: "Tall, true and not distorting at all, which is rarer than you might think at this price. The stand folds flat for moving. The frame is lacquered metal rather than the painted wood described, which is arguably better, but the listing should say so.",
    },
    ReviewRow {
        id: "12",
        author_id: "6",
        product_upc: "1001",
        body: "I work from home five days a week and this desk replaced a glass table that wobbled every time I typed. The difference to my day is hard to overstate: no wobble, no glare, enough depth for a monitor at a proper distance and a keyboard with room for my wrists. Two details could be better. There is no grommet for a monitor arm, so I had to clamp it to the back edge, which the oak took without complaint. And the drawer has no stop, so pulling it too hard drops it on your feet. Neither would stop me from buying it again, and I have already recommended it to two colleagues who were shopping for the same thing.",
    },
    ReviewRow {
        id: "13",
        author_id: "1",
        product_upc: "1008",
        body: "Seats six closed and ten extended, and the leaf is stored under the top, so there is nothing to keep in a cupboard. The extension mechanism needs two people and a firm pull the first few times, then loosens up. The surface is lacquered rather than oiled, which is sensible for a table that has to survive dinner parties and homework.",
    },
    ReviewRow {
        id: "14",
        author_id: "3",
        product_upc: "1005",
        body: "Gorgeous in our hallway, where it takes a beating from boots and bicycles and still looks rich and deep in colour. It curled at one corner for the first week after unrolling; rolling that corner the opposite way overnight fixed it. Vacuum it without the beater bar, or the pile starts to fluff.",
    },
];

/// The user with this id.
pub fn user(id: &str) -> Option<&'static UserRow> {
    USERS.iter().find(|user| user.id == id)
}

/// The product with this upc.
pub fn product(upc: &str) -> Option<&'static ProductRow> {
    PRODUCTS.iter().find(|product| product.upc == upc)
}

/// The stock of the product with this upc.
pub fn stock(upc: &str) -> Option<&'static StockRow> {
    STOCK.iter().find(|stock| stock.upc == upc)
}

/// The review with this id.
pub fn review(id: &str) -> Option<&'static ReviewRow> {
    REVIEWS.iter().find(|review| review.id == id)
}

/// The reviews written by this user, in id order.
pub fn reviews_by(author_id: &str) -> impl Iterator<Item = &'static ReviewRow> {
    REVIEWS
        .iter()
        .filter(move |review| review.author_id == author_id)
}

/// The reviews of this product, in id order.
pub fn reviews_of(upc: &str) -> impl Iterator<Item = &'static ReviewRow> {
    REVIEWS
        .iter()
        .filter(move |review| review.product_upc == upc)
}

/// What `inventory` charges to ship a product: free from 1000, otherwise a base fee
/// plus one unit per two kilograms.
pub fn shipping_estimate(price: i32, weight: i32) -> i32 {
    if price >= 1000 { 0 } else { 5 + weight / 2 }
}
