package cell

import (
	"encoding/hex"
	"testing"
)

func generateVectors(t testing.TB) vectorFile {
	var vs []vector
	cells := validCells(t)
	cellBytes := func(name string) []byte { c := cells[name]; return c[:] }
	addCell := func(name string, b []byte, expect string) {
		v := vector{Name: name, Parse: "cell", Hex: hex.EncodeToString(b), Expect: expect}
		if expect == "ok" {
			v.Cmd = Command(b[4]).String()
		}
		vs = append(vs, v)
	}
	addMsg := func(name, allowed string, b []byte, expect string) {
		v := vector{Name: name, Parse: "msg", Allowed: allowed, Hex: hex.EncodeToString(b), Expect: expect}
		if expect == "ok" {
			v.Cmd = RelayCmd(b[0]).String()
		}
		vs = append(vs, v)
	}
	create := cells["create nk 48"]
	addCell("ok/padding", cellBytes("padding"), "ok")
	addCell("ok/padding with content", rawCell(0, CmdPadding, fill(BodyLen, 0x5a)), "ok")
	addCell("ok/create nk", create[:], "ok")
	addCell("ok/created max", cellBytes("created max"), "ok")
	addCell("ok/relay", cellBytes("relay"), "ok")
	addCell("ok/relay_early", cellBytes("relay_early"), "ok")
	addCell("ok/destroy replay", cellBytes("destroy replay"), "ok")
	addCell("malformed/cell of 511 bytes", create[:Size-1], "malformed")
	addCell("malformed/create on circuit 0", rawCell(0, CmdCreate, create.Body()[:]), "malformed")
	addCell("malformed/padding on circuit 1", rawCell(1, CmdPadding, nil), "malformed")
	addCell("malformed/create nonzero last byte", with(create[:], Size-1, 1), "malformed")
	addCell("malformed/create hlen 0", rawCell(1, CmdCreate, []byte{0, 1, 0, 0}), "malformed")
	addCell("too-long/create hlen 257", rawCell(1, CmdCreate, []byte{0, 1, 1, 1}), "too-long")
	addCell("malformed/destroy reason 12", rawCell(1, CmdDestroy, []byte{12}), "malformed")
	addCell("unknown-command/cell command 6", rawCell(1, 6, nil), "unknown-command")

	msgs := validMsgs(t)
	for _, name := range []string{"begin", "data 1", "end done", "connected", "sendme circuit",
		"sendme stream", "extend nk", "extended", "truncated", "drop empty"} {
		addMsg("ok/"+name, "all", encodeMsg(t, msgs[name]), "ok")
	}
	addMsg("ok/extend at a middle hop", "extend,sendme,drop", encodeMsg(t, msgs["extend nk"]), "ok")
	addMsg("not-allowed/begin at a middle hop", "extend,sendme,drop", encodeMsg(t, msgs["begin"]), "not-allowed")
	addMsg("unknown-command/relay command 10", "all", rawMsg(10, 0, 0, nil), "unknown-command")
	addMsg("malformed/message of 490 bytes", "all", encodeMsg(t, msgs["data 1"])[:MsgLen-1], "malformed")
	addMsg("too-long/length 487", "all", rawMsg(RelayDrop, 0, MaxData+1, nil), "too-long")
	addMsg("too-long/extend reclen 401", "all", rawMsg(RelayExtend, 0, MaxData, []byte{0x01, 0x91}), "too-long")
	addMsg("malformed/empty data", "all", rawMsg(RelayData, 1, 0, nil), "malformed")
	addMsg("malformed/data on stream 0", "all", rawMsg(RelayData, 0, 1, []byte{1}), "malformed")
	addMsg("malformed/begin uppercase", "all", rawMsg(RelayBegin, 1, 4, []byte("Mail")), "malformed")
	addMsg("malformed/data nonzero last byte", "all", with(encodeMsg(t, msgs["data 1"]), MsgLen-1, 1), "malformed")
	addMsg("malformed/extend trailing byte", "all", rawMsg(RelayExtend, 0, 9, []byte{0, 1, 1, 0, 1, 0, 1, 1, 0}), "malformed")
	addMsg("malformed/sendme version 2", "all", rawMsg(RelaySendme, 0, 17, append([]byte{2}, tag16[:]...)), "malformed")
	return vectorFile{
		Comment: "Cell and relay message vectors (onion/cell). Decode hex with Parse (parse=cell) or ParseMsg (parse=msg, allowed = relay commands or all); expect the outcome, and on ok the command. Regenerate only with: go test ./onion/cell -run TestVectors -update",
		Vectors: vs,
	}
}
