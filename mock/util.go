package mock

import "encoding/json"

// remarshal converts a decoded JSON value into a typed value.
func remarshal(in, out any) error {
	raw, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, out)
}
