package content

// The vocabulary below is what generated transcripts are made of. It is
// read-only data (never mutated), so sharing it between goroutines is safe.

// setting is a place a video can be shot in.
type setting struct {
	key     string   // canonical keyword, e.g. "beach"
	aliases []string // other keywords that select this setting
	place   string   // indefinite description: "a wide sandy beach"
	ref     string   // definite reference: "the beach"
	objects []string // things typically in view, with article
	details []string // background clauses
}

var settings = []setting{
	{"beach", []string{"sea", "seaside", "shore", "coast", "sand", "surf", "surfing", "vacation"}, "a wide sandy beach", "the beach",
		[]string{"a striped umbrella", "a pair of surfboards", "a half-built sandcastle", "a blue cooler", "a beach towel", "a handful of seashells"},
		[]string{"waves roll gently onto the shore", "seagulls circle overhead", "a lifeguard tower stands further down the sand"}},
	{"mountain", []string{"mountains", "hike", "hiking", "trail", "trek", "summit", "peak", "climb", "climbing"}, "a rocky mountain trail", "the mountain",
		[]string{"a pair of trekking poles", "a wooden trail marker", "a heavy backpack", "a metal water bottle", "a folded map"},
		[]string{"snow-capped peaks rise in the distance", "clouds drift below the ridge", "loose gravel slides down the slope"}},
	{"park", []string{"picnic", "playground", "frisbee"}, "a leafy city park", "the park",
		[]string{"a wooden bench", "a frisbee", "a picnic blanket", "a parked bicycle", "a kite"},
		[]string{"joggers pass along the path", "ducks glide across a small pond", "children play on the swings"}},
	{"street", []string{"city", "downtown", "urban", "traffic", "town"}, "a busy city street", "the street",
		[]string{"a yellow taxi", "a crosswalk", "a bus stop", "a food cart", "a traffic light"},
		[]string{"pedestrians hurry past shop windows", "cars wait at the intersection", "neon signs flicker above the shops"}},
	{"kitchen", []string{"cooking", "cook", "recipe", "baking", "bake", "food", "dinner", "breakfast", "lunch"}, "a bright home kitchen", "the kitchen",
		[]string{"a cutting board", "a pot of boiling water", "a bowl of chopped vegetables", "a frying pan", "a wooden spoon", "a tray of cookies"},
		[]string{"steam rises from the stove", "sunlight falls across the counter", "a timer ticks on the shelf"}},
	{"forest", []string{"woods", "woodland", "trees", "jungle"}, "a dense pine forest", "the forest",
		[]string{"a fallen log", "a moss-covered rock", "a narrow dirt path", "a small wooden bridge"},
		[]string{"sunlight filters through the canopy", "birds call from the treetops", "ferns sway at the edge of the path"}},
	{"lake", []string{"pond", "canoe", "fishing", "fish"}, "a calm mountain lake", "the lake",
		[]string{"a red canoe", "a wooden dock", "a fishing rod", "an orange life jacket"},
		[]string{"the water reflects the sky", "ripples spread across the surface", "pine trees line the far shore"}},
	{"river", []string{"kayak", "kayaking", "rafting", "stream", "creek"}, "a fast-flowing river", "the river",
		[]string{"a yellow kayak", "a pile of smooth river stones", "a rope swing", "a paddle"},
		[]string{"water rushes over the rocks", "a heron stands in the shallows", "mist hangs above the water"}},
	{"ocean", []string{"boat", "sailing", "sail", "ship", "yacht", "whale", "diving"}, "the open ocean", "the ocean",
		[]string{"a small white boat", "a sailboat", "an orange buoy", "a coiled fishing net"},
		[]string{"waves rise and fall around the hull", "spray flies off the bow", "the horizon tilts as the boat rocks"}},
	{"desert", []string{"dunes", "cactus", "safari"}, "a sunbaked desert", "the desert",
		[]string{"a tall cactus", "a dusty jeep", "a line of sand dunes", "a bleached animal skull"},
		[]string{"heat shimmers above the sand", "wind lifts fine dust across the road"}},
	{"stadium", []string{"soccer", "football", "match", "fans", "crowd", "sports"}, "a packed stadium", "the stadium",
		[]string{"a giant scoreboard", "a row of team banners", "a soccer ball", "a foam finger"},
		[]string{"the crowd rises to its feet", "floodlights light up the field", "flags wave in the stands"}},
	{"court", []string{"basketball", "nba", "arena", "hoop", "dunk"}, "an indoor basketball court", "the court",
		[]string{"a basketball", "the hoop", "a team jersey", "the players' bench", "a towel"},
		[]string{"sneakers squeak on the hardwood", "fans cheer from the stands", "the shot clock counts down"}},
	{"gym", []string{"workout", "fitness", "training", "exercise", "lifting", "weights", "yoga"}, "a modern gym", "the gym",
		[]string{"a loaded barbell", "a rack of dumbbells", "a treadmill", "a yoga mat", "a kettlebell"},
		[]string{"music pumps through the speakers", "mirrors line the walls", "someone drops a weight with a thud"}},
	{"restaurant", []string{"dining", "meal", "pasta", "pizza", "wine"}, "a cosy restaurant", "the restaurant",
		[]string{"a plate of pasta", "a glass of red wine", "a lit candle", "a leather-bound menu"},
		[]string{"waiters move between the tables", "glasses clink at a nearby table"}},
	{"cafe", []string{"coffee", "latte", "espresso", "barista", "brunch"}, "a small corner cafe", "the cafe",
		[]string{"a cup of coffee", "an open laptop", "a croissant", "an espresso machine"},
		[]string{"the barista steams milk behind the counter", "rain streaks the front window"}},
	{"market", []string{"shopping", "shop", "groceries", "bazaar", "vintage", "sale"}, "an open-air market", "the market",
		[]string{"a crate of fresh fruit", "a stack of woven baskets", "a hand-painted sign", "a bunch of flowers", "two shopping bags"},
		[]string{"vendors call out prices", "shoppers weave between the stalls"}},
	{"airport", []string{"flight", "plane", "travel", "trip", "airplane"}, "a busy airport terminal", "the airport",
		[]string{"a rolling suitcase", "a departures board", "a boarding pass", "a neck pillow"},
		[]string{"announcements echo through the hall", "a plane taxis past the window"}},
	{"station", []string{"train", "subway", "metro", "commute"}, "a crowded train station", "the station",
		[]string{"a commuter train", "a platform clock", "a ticket machine", "a folded newspaper"},
		[]string{"a train pulls in slowly", "commuters stream toward the exits"}},
	{"backyard", []string{"yard", "barbecue", "bbq", "lawn", "grill"}, "a suburban backyard", "the backyard",
		[]string{"a barbecue grill", "a garden hose", "a trampoline", "a row of potted plants"},
		[]string{"a fence runs along the lawn", "smoke drifts from the grill"}},
	{"living room", []string{"home", "house", "sofa", "couch", "family", "room"}, "a cosy living room", "the living room",
		[]string{"a grey sofa", "a coffee table", "a television", "a stack of board games", "a sleeping cat"},
		[]string{"a lamp glows in the corner", "a clock ticks on the wall"}},
	{"office", []string{"work", "meeting", "desk", "business", "startup"}, "an open-plan office", "the office",
		[]string{"an open laptop", "a whiteboard covered in notes", "a desk lamp", "a stack of papers"},
		[]string{"colleagues talk quietly at their desks", "a printer hums in the background"}},
	{"classroom", []string{"school", "class", "lesson", "teacher", "students"}, "a school classroom", "the classroom",
		[]string{"a chalkboard", "a row of desks", "a globe", "a pile of textbooks"},
		[]string{"students whisper in the back row", "sunlight falls across the desks"}},
	{"harbour", []string{"harbor", "port", "dock", "pier", "marina"}, "a small fishing harbour", "the harbour",
		[]string{"a moored fishing boat", "a coil of rope", "a stack of lobster traps", "a rusty anchor"},
		[]string{"gulls squabble over scraps", "boats bob against the pier"}},
	{"ski slope", []string{"ski", "skiing", "snowboard", "snowboarding", "snow", "winter"}, "a snowy ski slope", "the slope",
		[]string{"a pair of skis", "a snowboard", "a chairlift", "a pair of ski goggles"},
		[]string{"fresh snow sparkles in the sun", "skiers carve down the slope"}},
	{"farm", []string{"barn", "tractor", "horse", "cows", "chickens", "countryside"}, "a family farm", "the farm",
		[]string{"a red barn", "a green tractor", "a stack of hay bales", "a wooden fence"},
		[]string{"chickens peck at the ground", "cows graze in the far field"}},
	{"garden", []string{"flowers", "wedding", "roses", "gardening"}, "a flower garden", "the garden",
		[]string{"a row of rose bushes", "a watering can", "a stone path", "a bird bath"},
		[]string{"bees drift between the flowers", "a fountain trickles nearby"}},
	{"rooftop", []string{"skyline", "party", "sunset"}, "a city rooftop", "the rooftop",
		[]string{"a string of fairy lights", "a row of potted plants", "a folding table", "a speaker"},
		[]string{"the skyline glows in the distance", "a warm breeze moves the lights"}},
	{"parking lot", []string{"parking", "car", "cars", "garage"}, "a parking lot", "the parking lot",
		[]string{"a parked car", "a pile of shopping bags", "a red backpack", "a shopping cart"},
		[]string{"car doors open and close nearby", "a delivery van backs into a space"}},
	{"museum", []string{"art", "gallery", "exhibition", "painting", "history"}, "a quiet museum gallery", "the museum",
		[]string{"a framed painting", "a marble statue", "a glass display case", "a visitor guide"},
		[]string{"footsteps echo on the marble floor", "a guard watches from the doorway"}},
	{"concert", []string{"music", "stage", "band", "festival", "guitar", "singing", "song"}, "a concert stage", "the stage",
		[]string{"a microphone stand", "an electric guitar", "a drum kit", "a bank of stage lights"},
		[]string{"the crowd sways to the music", "smoke drifts across the stage"}},
	{"campsite", []string{"camp", "camping", "tent", "campfire"}, "a forest campsite", "the campsite",
		[]string{"a dome tent", "a crackling campfire", "two camping chairs", "a battery lantern"},
		[]string{"sparks rise from the fire", "crickets chirp in the dark"}},
	{"pool", []string{"swimming", "swim", "splash"}, "an outdoor swimming pool", "the pool",
		[]string{"an inflatable ring", "a diving board", "a row of sun loungers", "a pool noodle"},
		[]string{"water splashes over the edge", "light ripples across the tiles"}},
	{"track", []string{"running", "run", "race", "sprint", "marathon", "jogging"}, "a running track", "the track",
		[]string{"a set of starting blocks", "a lane marker", "a stopwatch", "a pair of running shoes"},
		[]string{"runners stretch at the start line", "a coach shouts split times"}},
	{"road", []string{"drive", "driving", "roadtrip", "highway", "motorcycle"}, "a winding coastal road", "the road",
		[]string{"a red convertible", "a metal guardrail", "a road sign", "a motorcycle"},
		[]string{"the road curves along the cliffs", "traffic thins out ahead"}},
	{"studio", []string{"photoshoot", "fashion", "makeup", "outfit", "podcast", "interview"}, "a bright photo studio", "the studio",
		[]string{"a softbox light", "a camera on a tripod", "a white backdrop", "a rack of clothes"},
		[]string{"a fan blows gently across the set", "an assistant adjusts the lights"}},
}

// subject is a person, group or animal that appears in a video.
type subject struct {
	indef, def string
	plural     bool
}

// subjectTemplates use %c for a colour.
var subjectTemplates = []struct {
	indef, def string
	plural     bool
}{
	{"a woman in a %c jacket", "the woman in the %c jacket", false},
	{"a man in a %c hoodie", "the man in the %c hoodie", false},
	{"a young boy", "the boy", false},
	{"a little girl with a %c backpack", "the girl with the %c backpack", false},
	{"an elderly couple", "the couple", true},
	{"two friends", "the two friends", true},
	{"a group of teenagers", "the teenagers", true},
	{"a golden retriever", "the dog", false},
	{"a bearded man", "the bearded man", false},
	{"a woman with curly hair", "the woman with curly hair", false},
	{"a cyclist in a %c helmet", "the cyclist", false},
	{"a father and his daughter", "the father and daughter", true},
	{"a young couple", "the young couple", true},
	{"a tall man in a %c cap", "the tall man", false},
	{"a jogger in %c shorts", "the jogger", false},
	{"a chef in a white apron", "the chef", false},
	{"three children", "the children", true},
	{"a woman in a %c dress", "the woman in the %c dress", false},
	{"a photographer", "the photographer", false},
	{"a small terrier", "the terrier", false},
}

var colours = []string{"red", "blue", "green", "yellow", "orange", "purple", "pink", "black", "white", "grey", "brown", "navy", "beige"}

// action is a verb phrase in singular and plural form; %s is the object.
type action struct{ s, p string }

var transitive = []action{
	{"walks slowly past %s", "walk slowly past %s"},
	{"picks up %s", "pick up %s"},
	{"points at %s", "point at %s"},
	{"takes a photo of %s", "take photos of %s"},
	{"sets down %s", "set down %s"},
	{"stands next to %s", "stand next to %s"},
	{"kneels beside %s", "kneel beside %s"},
	{"carries %s", "carry %s"},
	{"looks closely at %s", "look closely at %s"},
	{"laughs while holding %s", "laugh while holding %s"},
	{"waves at the camera from beside %s", "wave at the camera from beside %s"},
	{"leans against %s", "lean against %s"},
	{"reaches for %s", "reach for %s"},
	{"adjusts %s", "adjust %s"},
	{"inspects %s", "inspect %s"},
}

var intransitive = []action{
	{"walks toward the camera", "walk toward the camera"},
	{"laughs at something off screen", "laugh together"},
	{"pauses to catch their breath", "pause to catch their breath"},
	{"gestures excitedly", "gesture excitedly"},
	{"walks out of frame", "walk out of frame"},
	{"sits down", "sit down together"},
	{"smiles at someone off camera", "smile at someone off camera"},
	{"turns around slowly", "turn around slowly"},
	{"looks around", "look around"},
	{"talks animatedly", "talk animatedly"},
	{"checks a phone", "check their phones"},
	{"stretches", "stretch"},
}

var shots = []string{
	"A wide shot shows", "The camera pans across", "The shot opens on", "A handheld shot moves through",
	"From a low angle, the camera takes in", "A slow aerial view reveals", "The frame settles on",
}

var closeUps = []string{"A close-up shows", "The camera zooms in on", "A tight shot frames", "Up close, the frame is filled by"}

var positions = []string{
	"resting on the ground", "held up to the camera", "lying nearby", "in the lower corner of the frame",
	"partly out of focus in the foreground", "at the centre of the frame",
}

var lights = []string{
	"Warm afternoon light gives the scene a golden tint.", "Soft, overcast light keeps the colours muted.",
	"Harsh midday sun casts short, sharp shadows.", "The light is fading, and long shadows stretch across the ground.",
	"Bright sunlight makes the colours look vivid.", "The picture is slightly grainy in the dim light.",
}

// timeWords are keywords that describe when, not what; each has its own
// sentence that contains the word itself.
var timeWords = map[string][]string{
	"day":       {"It is a bright, clear day, and everything is in sharp focus.", "The day is warm and the sky is cloudless."},
	"daytime":   {"It is daytime, and the scene is evenly lit."},
	"night":     {"It is night, and street lamps cast pools of orange light.", "The night is dark apart from a few scattered lights."},
	"morning":   {"Soft morning light washes over the scene.", "It is early morning and the air looks crisp."},
	"evening":   {"It is early evening, and the sky is turning a deep blue.", "The evening light turns everything amber."},
	"afternoon": {"The afternoon sun sits high above the scene."},
	"sunset":    {"The sunset in the background paints the sky orange and pink.", "The sunset throws long golden light across the frame."},
	"sunrise":   {"The sunrise paints the horizon pale gold."},
	"rain":      {"Light rain falls, beading on every surface."},
	"rainy":     {"It is a rainy day, and puddles reflect the grey sky."},
	"snow":      {"Snow falls steadily, dusting everything in white."},
	"summer":    {"It looks like a hot summer afternoon."},
	"winter":    {"It is winter, and breath shows in the cold air."},
	"autumn":    {"Autumn leaves in red and gold cover the ground."},
	"spring":    {"Spring blossoms dot the trees."},
	"weekend":   {"It has the relaxed feel of a weekend outing."},
	"holiday":   {"It has the relaxed, festive feel of a holiday."},
	"birthday":  {"Balloons and a birthday banner make it clear this is a birthday celebration."},
	"christmas": {"Christmas lights and decorations glow in the background."},
	"halloween": {"Carved pumpkins and Halloween decorations line the scene."},
}

var isColour = setOf(colours...)

// Keyword sentence templates. %k is the keyword, %S / %s the subject (capitalised /
// not), %v an intransitive verb phrase agreeing with the subject, %t a transitive
// one with the keyword as object, %c a colour.
var kwTemplates = []action{
	{"The %k stays in view for most of the shot while %s %v.", "The %k stay in view for most of the shot while %s %v."},
	{"%S %t.", "%S %t."},
	{"Everything in the frame seems to revolve around the %k.", "Everything in the frame seems to revolve around the %k."},
	{"The %k is clearly visible in the foreground as %s %v.", "The %k are clearly visible in the foreground as %s %v."},
	{"In the background, the %k catches the light.", "In the background, the %k catch the light."},
	{"%S %v, then the %k comes into view.", "%S %v, then the %k come into view."},
	{"A few seconds later the %k comes back into view.", "A few seconds later the %k come back into view."},
	{"The camera lingers on the %k for a moment.", "The camera lingers on the %k for a moment."},
}

// pluralWords are keywords that take a plural verb although they do not end in -s.
var pluralWords = setOf("people", "children", "men", "women", "clothes", "feet", "teeth", "mice", "geese", "police", "cattle")

var colourKwTemplates = []action{
	{"A %k %n stands out against the background.", ""},
	{"%S %t, its %k colour catching the eye.", ""},
	{"Splashes of %k dominate the frame.", ""},
}

var cameraTemplates = []string{
	"The footage, shot on a %m, is sharp and well exposed.",
	"Colours look natural, typical of footage from a %m.",
	"The slight lens flare suggests this was filmed with a %m.",
}

// Spoken lines. %k keyword, %p place reference, %o object, %O object with
// "the", %n a first name.
var speechLines = []string{
	"Okay, we finally made it to %p.",
	"Look at %O, that's incredible.",
	"Can you pass me %o?",
	"Wait, hold on, let me get a better angle.",
	"Is it recording? Okay, good.",
	"%n, come over here, you have to see this.",
	"Honestly, I didn't expect %p to be this busy.",
	"Let's stay here for a few more minutes.",
	"That's exactly what I was talking about.",
	"We should head back before it gets dark.",
	"Don't forget to grab %O.",
	"This is so much fun, seriously.",
	"How long have we been out here?",
	"Smile! Okay, one more.",
	"Did you see that? Right there, next to %O.",
	"I think I'm going to remember this one for a long time.",
	"Okay, what's next on the list?",
	"Can somebody hold this for a second?",
	"It's a lot colder than I thought it would be.",
	"No way, that's amazing.",
}

var speechKwLines = []string{
	"I think this is the best %k we've had all year.",
	"I love the %k, it's my favourite part.",
	"So this is the %k everyone keeps talking about.",
	"Okay guys, today is all about the %k.",
	"Honestly, the %k was worth the wait.",
	"Can you get a shot of the %k before we go?",
	"Wait, is that the %k over there?",
	"I could watch the %k all day.",
}

var firstNames = []string{"Emma", "Jake", "Mia", "Noah", "Olivia", "Liam", "Sophie", "Ethan", "Chloe", "Lucas", "Ava", "Ben", "Maya", "Leo"}
