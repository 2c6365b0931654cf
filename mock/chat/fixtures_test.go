package chat

import "github.com/memharness/memharness/mock/model"

func seg(i int, start, end float64, text string) model.Segment {
	return model.Segment{Index: i, Start: start, End: end, Text: text}
}

// raceVideo is modelled on the vendor's sample answers (the men's 400 m final).
func raceVideo() Video {
	return Video{
		VideoNo:  "VI606140356924534784",
		Name:     "mens_400m_final.mp4",
		Duration: 401,
		Visual: []model.Segment{
			seg(0, 0, 31, "A wide shot of the Olympic stadium at night, the crowd filling every stand as the floodlights shine on the blue track."),
			seg(1, 31, 37, "The athletes walk onto the track in their national kits. A graphic introduces Van Dijk of South Africa in lane eight."),
			seg(2, 50, 86, "Close-up shots of each runner settling into the blocks. Matthew Hudson-Smith adjusts his spikes and Karani James stares ahead."),
			seg(3, 151, 155, "The starting gun fires and the eight runners explode out of the blocks."),
			seg(4, 178, 180, "Van Dijk surges down the back straight and takes the lead from lane eight."),
			seg(5, 185, 199, "Van Dijk crosses the finish line first. The scoreboard flashes 43.03 and the words WORLD RECORD."),
			seg(6, 214, 222, "Van Dijk lies on the track, then rises and waves a South African flag to the crowd."),
			seg(7, 288, 292, "A slow-motion replay shows the final bend, with Van Dijk pulling away from Karani James and LeSean Merritt."),
			seg(8, 315, 321, "The medalists embrace near the finish line while photographers gather around them."),
			seg(9, 368, 379, "Usain Bolt congratulates Van Dijk with a hug in the mixed zone, both smiling for the cameras."),
		},
		Audio: []model.Segment{
			seg(0, 5, 12, " Welcome to the men's four hundred metres final, one of the most anticipated races of these Games."),
			seg(1, 52, 60, " In lane eight, Van Dijk of South Africa, a man who has been flying all season."),
			seg(2, 186, 194, " Van Dijk wins it! Forty three point zero three, a new world record!"),
			seg(3, 214, 222, " Michael Johnson's record has finally fallen after seventeen years."),
			seg(4, 298, 306, " From lane eight he never saw anybody, he just ran his own race."),
			seg(5, 358, 366, " And here comes Usain Bolt to congratulate the new champion."),
		},
	}
}

// backyardVideo reuses the vendor's ref sample text.
func backyardVideo() Video {
	return Video{
		VideoNo:  "VI606140356924534785",
		Name:     "test_video_gz_visual_understanding_fuse_s9_video_fuse_4_video_fuse_4",
		Duration: 40,
		Visual: []model.Segment{
			seg(0, 0, 8, "A backyard garden with raised wooden planters and a grey fence in the late afternoon light."),
			seg(1, 8, 23, "A person in gloves digs a shallow trench along the fence with a small spade."),
			seg(2, 23, 30, "The camera pans down to a pile of tools next to a coiled garden hose."),
			seg(3, 30, 36, "A close-up view shows a collection of items on a concrete surface. To the left, two brown, round objects resembling small barrels or planters are visible. One has a blue lid or insert. Next to them, a black corrugated pipe is partially visible, along with a red flexible tube and a yellow pole with a red tip. A grey, textured wall or fence dominates the right side of the frame, with wooden planks visible at the top right."),
			seg(4, 36, 40, "The finished drainage pipe is laid in the trench and covered with gravel."),
		},
		Audio: []model.Segment{
			seg(0, 2, 7, " I'm going to get this drainage pipe in before the rain comes back."),
			seg(1, 30, 36, " You want a slight slope on the pipe so the water runs toward the street."),
		},
	}
}

// silentVideo has visual segments only and a character that needs escaping.
func silentVideo() Video {
	return Video{
		VideoNo:  "VI606140356924534786",
		Name:     `beach "day" <2024> café`,
		Duration: 12.5,
		Visual: []model.Segment{
			seg(0, 0, 4.5, "Waves roll onto a sandy beach under a clear sky; a child runs toward the water."),
			seg(1, 4.5, 9, "Two friends build a sandcastle & decorate it with shells."),
			seg(2, 9, 12.5, "The sun sets over the ocean — the beach empties out."),
		},
	}
}

// publicVideos is a marketer result set modelled on the vendor's @nike sample.
func publicVideos() []Video {
	return []Video{
		{
			VideoNo: "PI-603068775285264430", Name: "Nike x SKIMS", Duration: 13,
			Visual: []model.Segment{
				seg(0, 0, 5, "Two embossed logos on a dark-brown textured surface: the Nike swoosh to the left of the SKIMS wordmark."),
				seg(1, 5, 9, "The camera slowly tilts across the leather-like material, highlighting its grain."),
				seg(2, 9, 13, "A final close-up of the SKIMS wordmark fades to black."),
			},
			Meta: map[string]string{"blogger_id": "nike", "hash_tag": "", "view_count": "1000000", "like_count": "59500", "share_count": "9226", "comment_count": "146", "music_name": "original sound"},
		},
		{
			VideoNo: "PI-603068775285264431", Name: "fit check + pickups", Duration: 21,
			Visual: []model.Segment{
				seg(0, 0, 10, "A creator shows his outfit in a mirror: Nike Tech pants, white sneakers and a black hoodie."),
				seg(1, 10, 21, "He unboxes three pairs of sneakers on his bed."),
			},
			Audio: []model.Segment{seg(0, 1, 6, " Fit check, then I'll show you today's pickups.")},
			Meta:  map[string]string{"blogger_id": "pappiiq", "hash_tag": "#fitcheck#nike", "view_count": "1700000", "like_count": "115800", "share_count": "1329", "comment_count": "700"},
		},
		{
			VideoNo: "PI-603068775285264432", Name: "reposts reaction", Duration: 15,
			Visual: []model.Segment{seg(0, 0, 15, "A creator in a Nike shirt reacts to his reposts, laughing at the screen.")},
			Meta:   map[string]string{"blogger_id": "camfant", "hash_tag": "#reaction", "view_count": "1100000", "like_count": "187400", "share_count": "14300", "comment_count": "719"},
		},
	}
}
