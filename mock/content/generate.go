package content

import (
	"math"
	"slices"
	"strings"

	"github.com/memharness/memharness/mock/model"
)

// VideoInput is what the mock knows about a video when it "understands" it.
type VideoInput struct {
	Seed        int64    // the server's --seed
	VideoNo     string   // the object's id; with Seed it fixes every random choice
	Name        string   // file or video name, e.g. "beach_day-2024.mp4"
	Prompt      string   // video_transcription_prompt, may be empty
	Tags        []string // upload tags
	CameraModel string   // e.g. "Canon EOS 5D", may be empty
	Duration    float64  // seconds; <= 0, NaN or Inf means unknown
	HasAudio    bool     // false: no audio transcript
}

// Video is the generated understanding of one video.
type Video struct {
	// Visual and Audio each cover [0, Duration] with contiguous segments;
	// Audio is empty when the video has no audio track and its segments
	// carry a Speaker ("SPEAKER_00", ...).
	Visual, Audio []model.Segment
	// Chapters (scene by scene) and Topics (grouped by subject) are in time
	// order and inside [0, Duration].
	Chapters, Topics []model.Item
	// Summary is a paragraph about the whole video.
	Summary string
	// Keywords is the vocabulary that steered generation: words of the
	// name, prompt, tags and camera model, then the chosen setting.
	Keywords []string
}

const (
	maxSteering       = 12      // more steering words would make sentences absurd
	maxGenerateSecs   = 86400.0 // segments are generated for at most a day of media
	minSegmentSeconds = 3
	maxSegmentSeconds = 10
)

// Generate builds the deterministic content of a video: the same input
// gives a byte-identical Video on every run. Words of the name, prompt, tags
// and camera model appear in the visual transcript (and often in the audio
// one), so a search for them finds the video.
func Generate(in VideoInput) *Video {
	return generate(in, nil)
}

// generate is Generate with an optional fixed audio transcript (used for
// public videos whose speech the vendor documents verbatim).
func generate(in VideoInput, fixedAudio []model.Segment) *Video {
	steer := steeringWords(in.Name, in.Prompt, in.Tags)
	r := newRNG(in.Seed, "visual", in.VideoNo)
	p := newPlan(r, steer, in.CameraModel)
	v := &Video{}
	v.Visual = p.visual(spans(r, in.Duration, minSegmentSeconds, maxSegmentSeconds))
	if fixedAudio != nil {
		v.Audio = fixedAudio
	} else if in.HasAudio {
		ar := newRNG(in.Seed, "audio", in.VideoNo)
		v.Audio = p.audio(ar, spans(ar, in.Duration, minSegmentSeconds, 8))
	}
	p.describe(newRNG(in.Seed, "summary", in.VideoNo), v)
	v.Keywords = p.keywords()
	return v
}

// ReplaceVisual regenerates v's visual transcript (and the chapters, topics
// and summary derived from it) steered by a new transcription prompt, as
// update_video_transcription does. The audio transcript is kept. The words
// of prompt come first, then v's previous keywords. A nil v is ignored.
func ReplaceVisual(v *Video, prompt string, seed int64) {
	if v == nil {
		return
	}
	camera := findCamera(v.Visual)
	camWords := setOf(cameraWords(camera)...)
	var old []string
	for _, k := range v.Keywords {
		if !has(camWords, k) {
			old = append(old, k)
		}
	}
	steer := mergeWords(maxSteering, promptWords(prompt), old)
	duration := 0.0
	for _, segs := range [][]model.Segment{v.Visual, v.Audio} {
		if n := len(segs); n > 0 && segs[n-1].End > duration {
			duration = segs[n-1].End
		}
	}
	id := strings.Join(v.Keywords, " ")
	r := newRNG(seed, "replace", prompt, id)
	p := newPlan(r, steer, camera)
	v.Visual = p.visual(spans(r, duration, minSegmentSeconds, maxSegmentSeconds))
	p.describe(newRNG(seed, "replace-summary", prompt, id), v)
	v.Keywords = p.keywords()
}

// steeringWords collects the vocabulary a client gave us, in priority
// order: name, prompt, tags. (The camera model is mentioned as a whole
// phrase instead, see plan.camera.)
func steeringWords(name, prompt string, tags []string) []string {
	var tagWords []string
	for _, t := range tags {
		// "api" is the tag upload_url adds by itself; it says nothing about the content.
		if strings.EqualFold(strings.TrimSpace(t), "api") {
			continue
		}
		tagWords = append(tagWords, words(t)...)
	}
	return mergeWords(maxSteering, NameWords(name), promptWords(prompt), filterWords(tagWords, nil))
}

// findCamera recovers the camera model from a visual transcript written by
// plan.visual, so ReplaceVisual keeps mentioning it.
func findCamera(segs []model.Segment) string {
	for _, s := range segs {
		for _, tpl := range cameraTemplates {
			pre, suf, _ := strings.Cut(tpl, "%m")
			i := strings.Index(s.Text, pre)
			if i < 0 {
				continue
			}
			rest := s.Text[i+len(pre):]
			if j := strings.Index(rest, suf); j > 0 {
				return rest[:j]
			}
		}
	}
	return ""
}

// cameraWords are the searchable words of a camera model ("Canon EOS 5D"
// -> canon, eos, 5d); model numbers are kept here, unlike in file names.
func cameraWords(camera string) []string {
	var out []string
	for _, w := range words(camera) {
		if !isDigits(w) && !has(stopWords, w) {
			out = append(out, w)
		}
	}
	return out
}

// mergeWords concatenates lists without duplicates, up to limit words.
func mergeWords(limit int, lists ...[]string) []string {
	seen := map[string]struct{}{}
	var out []string
	for _, l := range lists {
		for _, w := range l {
			w = strings.ToLower(strings.TrimSpace(w))
			if w == "" {
				continue
			}
			if _, ok := seen[w]; ok {
				continue
			}
			if len(out) == limit {
				return out
			}
			seen[w] = struct{}{}
			out = append(out, w)
		}
	}
	return out
}

// spans cuts [0, d] into contiguous pieces of lo..hi whole seconds; the last
// piece ends exactly at d. Unknown or zero durations give [0, 1].
func spans(r *rng, d float64, lo, hi int) [][2]float64 {
	if !(d > 0) || math.IsInf(d, 0) {
		return [][2]float64{{0, 1}}
	}
	limit := math.Min(d, maxGenerateSecs)
	var out [][2]float64
	t := 0.0
	for {
		rem := limit - t
		if rem <= float64(hi) {
			switch {
			case rem >= float64(lo) || len(out) == 0:
				out = append(out, [2]float64{t, limit})
			default: // a tail shorter than lo joins the previous piece, split in two if too long
				last := &out[len(out)-1]
				total := limit - last[0]
				if total <= float64(hi) {
					last[1] = limit
				} else {
					mid := last[0] + math.Floor(total/2)
					last[1] = mid
					out = append(out, [2]float64{mid, limit})
				}
			}
			break
		}
		l := float64(r.between(lo, hi))
		out = append(out, [2]float64{t, t + l})
		t += l
	}
	out[len(out)-1][1] = d // media longer than a day: the last piece stretches
	return out
}

// castMember is a subject with a memory of whether it was introduced yet.
type castMember struct {
	subject
	introduced bool
}

// plan holds the choices that make one video coherent: where it happens,
// who is in it, what is in view and which words must be mentioned.
type plan struct {
	r       *rng
	steer   []string
	camera  string
	set     *setting
	cast    []*castMember
	objects []string
	lights  []string
}

func newPlan(r *rng, steer []string, camera string) *plan {
	p := &plan{r: r, steer: steer, camera: strings.TrimSpace(camera)}
	p.set = chooseSetting(r, steer)
	idx := make([]int, len(subjectTemplates))
	for i := range idx {
		idx[i] = i
	}
	shuffle(r, idx)
	n := r.between(1, 3)
	for _, i := range idx[:n] {
		t := subjectTemplates[i]
		c := r.pick(colours)
		p.cast = append(p.cast, &castMember{subject: subject{
			indef:  strings.ReplaceAll(t.indef, "%c", c),
			def:    strings.ReplaceAll(t.def, "%c", c),
			plural: t.plural,
		}})
	}
	p.objects = append([]string(nil), p.set.objects...)
	shuffle(r, p.objects)
	// one video keeps to two kinds of light, so its scenes do not flip
	// between midday sun and dusk every few seconds.
	l := append([]string(nil), lights...)
	shuffle(r, l)
	p.lights = l[:2]
	return p
}

// chooseSetting picks the setting named by the first steering word that
// names one (by stem, so "beaches" selects the beach), else a random one.
func chooseSetting(r *rng, steer []string) *setting {
	for _, w := range steer {
		ws := stem(w)
		for i := range settings {
			s := &settings[i]
			for _, k := range append(strings.Fields(s.key), s.aliases...) {
				if stem(k) == ws {
					return s
				}
			}
		}
	}
	return &settings[r.intn(len(settings))]
}

// keywords is Video.Keywords: steering words, the camera model's words,
// then the setting's words.
func (p *plan) keywords() []string {
	return mergeWords(2*maxSteering, p.steer, cameraWords(p.camera), strings.Fields(p.set.key))
}

// subj returns a cast member's phrase: indefinite the first time, definite after.
func (p *plan) subj(c *castMember) string {
	if !c.introduced {
		c.introduced = true
		return c.indef
	}
	return c.def
}

func (p *plan) member() *castMember { return p.cast[p.r.intn(len(p.cast))] }

func (p *plan) object() string { return p.objects[p.r.intn(len(p.objects))] }

func verb(a action, c *castMember, obj string) string {
	f := a.s
	if c.plural {
		f = a.p
	}
	return strings.Replace(f, "%s", obj, 1)
}

// definite turns "a red canoe" into "the red canoe".
func definite(obj string) string {
	for _, art := range []string{"a ", "an ", "two ", "the "} {
		if strings.HasPrefix(obj, art) {
			return "the " + obj[len(art):]
		}
	}
	return "the " + obj
}

// bareNoun turns "a red canoe" into "canoe" (the last word).
func bareNoun(obj string) string {
	f := strings.Fields(obj)
	return f[len(f)-1]
}

// sceneSentence is one sentence of plain scene description.
func (p *plan) sceneSentence(kind int) string {
	r := p.r
	switch kind {
	case 0: // establishing shot
		c := p.member()
		place := p.set.ref
		if !c.introduced {
			place = p.set.place
		}
		return r.pick(shots) + " " + place + ", where " + p.subj(c) + " " + verb(intransitive[r.intn(len(intransitive))], c, "") + "."
	case 1:
		c := p.member()
		return capFirst(p.subj(c)) + " " + verb(transitive[r.intn(len(transitive))], c, p.object()) + "."
	case 2:
		return "In the background, " + r.pick(p.set.details) + "."
	case 3:
		return r.pick(p.lights)
	default:
		return r.pick(closeUps) + " " + p.object() + " " + r.pick(positions) + "."
	}
}

// kwSentence is a sentence that contains kw as a word.
func (p *plan) kwSentence(kw string) string {
	r := p.r
	if s, ok := timeWords[kw]; ok {
		return r.pick(s)
	}
	c := p.member()
	if slices.Contains(words(p.set.ref), kw) {
		// the setting itself: say where we are rather than handling it like an object
		if r.chance(50) {
			return r.pick(shots) + " " + p.set.ref + ", where " + p.subj(c) + " " + verb(intransitive[r.intn(len(intransitive))], c, "") + "."
		}
		return capFirst(p.subj(c)) + " " + verb(intransitive[r.intn(len(intransitive))], c, "") + " in the middle of " + p.set.ref + "."
	}
	tpls := kwTemplates
	colour := has(isColour, kw)
	if colour {
		tpls = colourKwTemplates
	}
	t := tpls[r.intn(len(tpls))]
	tpl := t.s
	if t.p != "" && isPluralWord(kw) {
		tpl = t.p
	}
	var b strings.Builder
	for i := 0; i < len(tpl); i++ {
		if tpl[i] != '%' || i+1 == len(tpl) {
			b.WriteByte(tpl[i])
			continue
		}
		i++
		switch tpl[i] {
		case 'k':
			b.WriteString(kw)
		case 'S':
			b.WriteString(capFirst(p.subj(c)))
		case 's':
			b.WriteString(p.subj(c))
		case 'v':
			b.WriteString(verb(intransitive[r.intn(len(intransitive))], c, ""))
		case 't':
			obj := "the " + kw
			if colour {
				obj = p.object()
			}
			b.WriteString(verb(transitive[r.intn(len(transitive))], c, obj))
		case 'n':
			b.WriteString(bareNoun(p.object()))
		default:
			b.WriteByte('%')
			b.WriteByte(tpl[i])
		}
	}
	return b.String()
}

// visual writes one scene description per span.
func (p *plan) visual(sp [][2]float64) []model.Segment {
	r := p.r
	n := len(sp)
	out := make([]model.Segment, n)
	kws := p.steer
	cameraAgain := -1
	if p.camera != "" && n > 2 {
		cameraAgain = 1 + r.intn(n-1)
	}
	for i, s := range sp {
		var sentences []string
		// add appends a sentence unless the segment already says it
		// (a few retries keep descriptions from stuttering).
		add := func(gen func() string) {
			for try := 0; try < 4; try++ {
				c := gen()
				if !slices.Contains(sentences, c) {
					sentences = append(sentences, c)
					return
				}
			}
		}
		if i == 0 {
			add(func() string { return p.sceneSentence(0) })
		} else {
			add(func() string { return p.sceneSentence(r.intn(5)) })
		}
		// keywords assigned to this segment: every keyword at least once
		// (round robin), then again in most later segments, because a video
		// named after something shows it more than once.
		var mine []string
		for j := i; j < len(kws); j += n {
			mine = append(mine, kws[j])
		}
		if len(kws) > 0 && len(kws) <= n && i >= len(kws) && r.chance(70) {
			mine = append(mine, kws[i%len(kws)])
		}
		for _, kw := range mine {
			add(func() string { return p.kwSentence(kw) })
		}
		if len(sentences) < 3 || r.chance(40) {
			add(func() string { return p.sceneSentence(1 + r.intn(4)) })
		}
		if p.camera != "" && (i == 0 || i == cameraAgain) {
			sentences = append(sentences, strings.ReplaceAll(r.pick(cameraTemplates), "%m", p.camera))
		}
		text := strings.Join(sentences, " ")
		// realism rule: whatever the client named must really be there.
		present := setOf(words(text)...)
		for _, kw := range mine {
			if !has(present, kw) {
				text += " " + p.kwSentence(kw)
				present[kw] = struct{}{}
			}
		}
		out[i] = model.Segment{Index: i, Start: s[0], End: s[1], Text: text}
	}
	return out
}

// audio writes one spoken line per span, alternating between 1-3 speakers.
func (p *plan) audio(r *rng, sp [][2]float64) []model.Segment {
	speakers := r.between(1, 3)
	cur := 0
	lines := make([]int, len(speechLines))
	for i := range lines {
		lines[i] = i
	}
	shuffle(r, lines)
	kwLines := make([]int, len(speechKwLines))
	for i := range kwLines {
		kwLines[i] = i
	}
	shuffle(r, kwLines)
	var li, ki, kwi int
	out := make([]model.Segment, len(sp))
	for i, s := range sp {
		if i > 0 && speakers > 1 && r.chance(55) {
			cur = (cur + 1 + r.intn(speakers-1)) % speakers
		}
		var line string
		if len(p.steer) > 0 && (i < len(p.steer) && r.chance(50) || r.chance(35)) {
			kw := p.steer[kwi%len(p.steer)]
			kwi++
			line = speechKwLines[kwLines[ki%len(kwLines)]]
			if isPluralWord(kw) {
				line = strings.NewReplacer("the %k was", "the %k were", "is that the %k", "are those the %k").Replace(line)
			}
			line = strings.ReplaceAll(line, "%k", kw)
			ki++
		} else {
			line = speechLines[lines[li%len(lines)]]
			li++
			obj := p.object()
			line = strings.NewReplacer("%p", p.set.ref, "%o", obj, "%O", definite(obj), "%n", r.pick(firstNames)).Replace(line)
		}
		out[i] = model.Segment{Index: i, Start: s[0], End: s[1], Text: line, Speaker: speakerName(cur)}
	}
	return out
}

func speakerName(i int) string {
	return "SPEAKER_" + string(rune('0'+i/10)) + string(rune('0'+i%10))
}

// groups splits n items into k contiguous groups as evenly as possible and
// returns each group's [first, last] index.
func groups(n, k int) [][2]int {
	if k < 1 {
		k = 1
	}
	if k > n {
		k = n
	}
	out := make([][2]int, 0, k)
	start := 0
	for g := 0; g < k; g++ {
		size := n / k
		if g < n%k {
			size++
		}
		out = append(out, [2]int{start, start + size - 1})
		start += size
	}
	return out
}

func clampInt(v, lo, hi int) int {
	return max(lo, min(v, hi))
}

// firstSentence returns the first sentence of text.
func firstSentence(text string) string {
	if i := strings.Index(text, ". "); i >= 0 {
		return text[:i+1]
	}
	return text
}

// describe fills Chapters, Topics and Summary from the transcripts.
func (p *plan) describe(r *rng, v *Video) {
	n := len(v.Visual)
	if n == 0 {
		return
	}
	duration := v.Visual[n-1].End
	ref := p.set.ref
	refTitle := ref // titles are title-cased as a whole below
	kwTitle := func(i int) string {
		if len(p.steer) == 0 {
			return strings.TrimPrefix(ref, "the ")
		}
		return p.steer[i%len(p.steer)]
	}

	// Chapters: scene-by-scene, about one per 20 s.
	chGroups := groups(n, clampInt(int(math.Round(duration/20)), 1, 8))
	v.Chapters = make([]model.Item, 0, len(chGroups))
	middle := []func(int) string{
		func(i int) string { return "Exploring " + refTitle },
		func(i int) string { return "Close-up of " + definite(p.objects[i%len(p.objects)]) },
		func(i int) string { return kwTitle(i) + " Moments" },
		func(i int) string { return "A Closer Look at the " + kwTitle(i) },
		func(i int) string { return "Activity Around " + refTitle },
		func(i int) string { return "People and Details at " + refTitle },
	}
	order := r.intn(len(middle))
	for gi, g := range chGroups {
		var title string
		switch {
		case gi == 0:
			title = r.pick([]string{"Arrival at ", "Opening Shot of ", "First Look at "}) + refTitle
		case gi == len(chGroups)-1:
			title = r.pick([]string{"Wrapping Up at ", "Leaving ", "Final Moments at "}) + refTitle
		default:
			title = middle[(order+gi)%len(middle)](gi)
		}
		var desc []string
		for i := g[0]; i <= g[1] && len(desc) < 3; i++ {
			desc = append(desc, firstSentence(v.Visual[i].Text))
		}
		v.Chapters = append(v.Chapters, model.Item{Title: titleCase(title), Description: strings.Join(desc, " "),
			Start: v.Visual[g[0]].Start, End: v.Visual[g[1]].End})
	}

	// Topics: grouped by subject, about one per 30 s, cut at different places.
	kinds := []string{"keyword", "people", "setting", "objects"}
	if len(v.Audio) > 0 {
		kinds = append(kinds, "conversation")
	}
	shuffle(r, kinds[1:])
	tGroups := groups(n, clampInt(int(math.Round(duration/30)), 1, 5))
	v.Topics = make([]model.Item, 0, len(tGroups))
	for gi, g := range tGroups {
		kind := kinds[gi%len(kinds)]
		var title, desc string
		switch kind {
		case "keyword":
			title = "The " + kwTitle(0)
			desc = firstSentence(v.Visual[g[0]].Text) + " The segment keeps returning to " + p.describeKeywords(3) + "."
		case "people":
			title = "People and Interactions"
			desc = capFirst(p.castList()) + " appear throughout this part, moving around " + ref + " and reacting to what they see."
		case "setting":
			title = "Setting and Atmosphere"
			desc = "The setting is " + p.set.place + "; " + r.pick(p.set.details) + ". " + r.pick(p.lights)
		case "objects":
			title = "Objects in the Scene"
			desc = "Recurring objects include " + joinList(p.objects[:min(3, len(p.objects))]) + "."
		default:
			title = "Conversation and Sound"
			desc = "The speakers talk casually; one of them says \"" + v.Audio[r.intn(len(v.Audio))].Text + "\""
		}
		v.Topics = append(v.Topics, model.Item{Title: titleCase(title), Description: desc,
			Start: v.Visual[g[0]].Start, End: v.Visual[g[1]].End})
	}

	// Summary paragraph.
	var b strings.Builder
	b.WriteString("The video captures " + p.castList() + " at " + p.set.place + ".")
	if len(v.Chapters) > 1 {
		b.WriteString(" At the start, " + lowerFirst(firstSentence(v.Visual[0].Text)) +
			" Towards the end, " + lowerFirst(firstSentence(v.Visual[n-1].Text)))
	} else {
		b.WriteString(" " + firstSentence(v.Visual[0].Text))
	}
	if len(p.steer) > 0 {
		b.WriteString(" Recurring elements include " + p.describeKeywords(5) + ".")
	}
	if len(v.Audio) > 0 {
		speakers := map[string]struct{}{}
		for _, s := range v.Audio {
			speakers[s.Speaker] = struct{}{}
		}
		who := "a single speaker"
		if len(speakers) > 1 {
			who = numberWord(len(speakers)) + " speakers"
		}
		b.WriteString(" The audio consists of " + who + " talking casually; at one point someone says \"" + v.Audio[r.intn(len(v.Audio))].Text + "\"")
	} else {
		b.WriteString(" There is no audio track, so the description relies on the visuals alone.")
	}
	if p.camera != "" {
		b.WriteString(" The footage appears to have been shot on a " + p.camera + ".")
	}
	v.Summary = b.String()
}

func (p *plan) castList() string {
	var names []string
	for _, c := range p.cast {
		names = append(names, c.indef)
	}
	return joinList(names)
}

func (p *plan) describeKeywords(limit int) string {
	var out []string
	for _, k := range p.steer {
		if len(out) == limit {
			break
		}
		out = append(out, "the "+k)
	}
	if len(out) == 0 {
		return p.set.ref
	}
	return joinList(out)
}

func joinList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	default:
		return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
	}
}

// lowerFirst lower-cases a sentence's first letter so it can follow a
// comma ("A wide shot shows" -> "a wide shot shows").
func lowerFirst(s string) string {
	if len(s) > 1 && s[0] >= 'A' && s[0] <= 'Z' && (s[1] == ' ' || s[1] >= 'a' && s[1] <= 'z') {
		return strings.ToLower(s[:1]) + s[1:]
	}
	return s
}

func numberWord(n int) string {
	if n >= 0 && n < 10 {
		return []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}[n]
	}
	return "several"
}

// ImageCaption returns a deterministic caption for an uploaded image, steered
// like Generate by its name, tags and camera model (Duration and HasAudio
// are ignored). Index it as Doc.Caption of an image document.
func ImageCaption(in VideoInput) string {
	in.Duration, in.HasAudio = 0, false
	return Generate(in).Visual[0].Text
}

// isPluralWord guesses whether a keyword takes a plural verb ("jerseys",
// "people"); good enough for generated prose.
func isPluralWord(w string) bool {
	return has(pluralWords, w) || strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is")
}
